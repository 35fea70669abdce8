/// A schema document the compiler cannot represent; thrown only at start-up (a defect in a
/// shipped schema file, caught by the test suite), never for event input.
public struct SchemaCompileError: Error, CustomStringConvertible, Sendable {
    /// The schema file, e.g. `pocm/cart.v1.json`.
    public var document: String
    /// JSON Pointer inside the schema document.
    public var location: String
    /// What is wrong.
    public var message: String
    public var description: String { "\(document)#\(location): \(message)" }
}

/// Compiles the draft 2020-12 subset our documents use into ``SchemaNode``s.
///
/// Supported: `type` (string or array), `enum`, `const` (strings), `format` (see ``StringFormat``),
/// `minimum`, `maximum`, `minLength`, `maxLength`, `items`, `minItems`, `properties`, `required`,
/// `additionalProperties` (boolean), object-level `anyOf` of `required` sets, `if`/`then`/`else`
/// over presence and one string constant, and local `$ref` into `#/$defs/`. Annotations
/// (`title`, `description`, `examples`, `$schema`, `$id`, `$comment`, `x-sluice-*`) are ignored.
/// Anything else is a compile error, so a document never says more than the validator checks.
struct SchemaCompiler {
    var builder = SchemaStoreBuilder()
    private var document = ""
    private var definitions: [String: JSONValue] = [:]
    private var compiledDefinitions: [String: Int32] = [:]

    private static let annotations: Set<String> = ["title", "description", "examples", "$schema", "$id", "$comment", "$defs", "default"]

    /// Compiles one whole document and returns its root node index.
    mutating func compileDocument(named name: String, _ root: JSONValue) throws -> Int32 {
        document = name
        compiledDefinitions = [:]
        if case .object(let defs)? = root["$defs"] {
            definitions = Dictionary(defs, uniquingKeysWith: { _, last in last })
        } else {
            definitions = [:]
        }
        return try compile(root, at: "")
    }

    private func fail(_ location: String, _ message: String) -> SchemaCompileError {
        SchemaCompileError(document: document, location: location, message: message)
    }

    private mutating func compile(_ schema: JSONValue, at location: String) throws -> Int32 {
        guard case .object(let members) = schema else { throw fail(location, "a schema must be an object") }
        if case .string(let reference)? = schema["$ref"] {
            let prefix = "#/$defs/"
            guard reference.hasPrefix(prefix), let definition = definitions[String(reference.dropFirst(prefix.count))] else {
                throw fail(location, "only local #/$defs/ references are supported, got \(reference)")
            }
            let key = String(reference.dropFirst(prefix.count))
            if let compiled = compiledDefinitions[key] { return compiled }
            let compiled = try compile(definition, at: "/$defs/\(key)")
            compiledDefinitions[key] = compiled
            return compiled
        }
        var node = SchemaNode()
        var propertyNames: [String] = []
        var pendingRequired: [String] = []
        for (keyword, value) in members {
            let here = "\(location)/\(keyword)"
            switch keyword {
            case "type":
                node.types = try types(value, at: here)
            case "enum", "const":
                let values: [JSONValue]
                if keyword == "const" { values = [value] } else if case .array(let list) = value { values = list } else { throw fail(here, "enum must be an array") }
                let start = builder.enumValues.count
                for item in values {
                    guard case .string(let text) = item else { throw fail(here, "only string enum/const values are supported") }
                    builder.enumValues.append(builder.intern(text))
                }
                node.enumValues = TableRange(start: Int32(start), count: Int32(values.count))
                if node.types.isEmpty { node.types = .string }
            case "format":
                guard case .string(let name) = value, let format = StringFormat(schemaName: name) else {
                    throw fail(here, "unsupported format \(value)")
                }
                node.format = format
            case "minimum": node.minimum = try number(value, at: here)
            case "maximum": node.maximum = try number(value, at: here)
            case "minLength": node.minLength = Int32(try number(value, at: here))
            case "maxLength": node.maxLength = Int32(try number(value, at: here))
            case "minItems": node.minItems = Int32(try number(value, at: here))
            case "items": node.items = try compile(value, at: here)
            case "additionalProperties":
                guard case .bool(let allowed) = value else { throw fail(here, "additionalProperties must be a boolean") }
                node.additionalPropertiesAllowed = allowed
            case "properties":
                guard case .object(let properties) = value else { throw fail(here, "properties must be an object") }
                guard properties.count <= 64 else { throw fail(here, "at most 64 properties per object") }
                var entries: [PropertyEntry] = []
                for (name, propertySchema) in properties {
                    let child = try compile(propertySchema, at: "\(here)/\(name)")
                    entries.append(PropertyEntry(name: builder.intern(name), node: child))
                    propertyNames.append(name)
                }
                node.properties = TableRange(start: Int32(builder.properties.count), count: Int32(entries.count))
                builder.properties.append(contentsOf: entries)
            case "required":
                pendingRequired = try names(value, at: here)
            case "if", "then", "else", "anyOf":
                continue // compiled below, once the property slots are known
            default:
                if Self.annotations.contains(keyword) || keyword.hasPrefix("x-sluice-") { continue }
                throw fail(here, "unsupported keyword \(keyword)")
            }
        }
        node.requiredMask = try mask(pendingRequired, propertyNames, at: "\(location)/required")
        if let anyOf = schema["anyOf"] {
            node.anyOf = try requiredGroups(anyOf, propertyNames, at: "\(location)/anyOf")
        }
        if let condition = schema["if"] {
            let rule = try conditional(condition, then: schema["then"], else: schema["else"], propertyNames, at: location, node: &node)
            node.rules = TableRange(start: Int32(builder.rules.count), count: 1)
            builder.rules.append(rule)
        }
        builder.nodes.append(node)
        return Int32(builder.nodes.count - 1)
    }

    private func types(_ value: JSONValue, at location: String) throws -> JSONTypeSet {
        let names: [String]
        switch value {
        case .string(let name): names = [name]
        case .array(let list): names = try list.map { item in
            guard case .string(let name) = item else { throw fail(location, "type names must be strings") }
            return name
        }
        case .object, .number, .bool, .null: throw fail(location, "type must be a string or an array")
        }
        var set = JSONTypeSet()
        for name in names {
            switch name {
            case "string": set.insert(.string)
            case "integer": set.insert(.integer)
            case "number": set.insert(.number)
            case "boolean": set.insert(.boolean)
            case "object": set.insert(.object)
            case "array": set.insert(.array)
            case "null": set.insert(.null)
            default: throw fail(location, "unknown type \(name)")
            }
        }
        return set
    }

    private func number(_ value: JSONValue, at location: String) throws -> Double {
        guard case .number(let number) = value else { throw fail(location, "expected a number") }
        return number
    }

    private func names(_ value: JSONValue, at location: String) throws -> [String] {
        guard case .array(let list) = value else { throw fail(location, "expected an array of names") }
        return try list.map { item in
            guard case .string(let name) = item else { throw fail(location, "expected an array of names") }
            return name
        }
    }

    private func mask(_ required: [String], _ propertyNames: [String], at location: String) throws -> UInt64 {
        var mask: UInt64 = 0
        for name in required {
            // A required field must be declared, so its slot (and the error path) is known.
            guard let slot = propertyNames.firstIndex(of: name) else { throw fail(location, "required \(name) is not in properties") }
            mask |= 1 << UInt64(slot)
        }
        return mask
    }

    private mutating func requiredGroups(_ value: JSONValue, _ propertyNames: [String], at location: String) throws -> TableRange {
        guard case .array(let groups) = value else { throw fail(location, "anyOf must be an array") }
        let start = builder.requiredGroups.count
        for (index, group) in groups.enumerated() {
            guard case .object(let members) = group, members.count == 1, let required = group["required"] else {
                throw fail("\(location)/\(index)", "only anyOf of {\"required\": [...]} is supported")
            }
            builder.requiredGroups.append(try mask(try names(required, at: location), propertyNames, at: location))
        }
        return TableRange(start: Int32(start), count: Int32(groups.count))
    }

    private mutating func conditional(_ condition: JSONValue, then thenBranch: JSONValue?, else elseBranch: JSONValue?,
                                      _ propertyNames: [String], at location: String, node: inout SchemaNode) throws -> ConditionalRule {
        var rule = ConditionalRule(ifPresent: 0, constSlot: -1, constValue: ByteRange(offset: 0, length: 0), thenRequired: 0,
                                   thenAnyOf: TableRange(), elseRequired: 0, elseAnyOf: TableRange())
        rule.ifPresent = try mask(try names(condition["required"] ?? .array([]), at: "\(location)/if/required"), propertyNames, at: "\(location)/if")
        if case .object(let constraints)? = condition["properties"] {
            guard constraints.count == 1, case .string(let constant)? = constraints[0].1["const"],
                  let slot = propertyNames.firstIndex(of: constraints[0].0) else {
                throw fail("\(location)/if/properties", "only one string const comparison is supported")
            }
            rule.constSlot = Int32(slot)
            rule.constValue = builder.intern(constant)
            node.conditionSlot = Int32(slot)
        }
        if let thenBranch {
            rule.thenRequired = try mask(try names(thenBranch["required"] ?? .array([]), at: "\(location)/then"), propertyNames, at: "\(location)/then")
            if let anyOf = thenBranch["anyOf"] { rule.thenAnyOf = try requiredGroups(anyOf, propertyNames, at: "\(location)/then/anyOf") }
        }
        if let elseBranch {
            rule.elseRequired = try mask(try names(elseBranch["required"] ?? .array([]), at: "\(location)/else"), propertyNames, at: "\(location)/else")
            if let anyOf = elseBranch["anyOf"] { rule.elseAnyOf = try requiredGroups(anyOf, propertyNames, at: "\(location)/else/anyOf") }
        }
        return rule
    }
}
