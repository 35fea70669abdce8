import Foundation

/// Who is acting, for the audit trail: `--actor NAME`, else the operating-system user.
public enum ActorName {
    public static func resolve(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        for variable in ["SUDO_USER", "USER", "LOGNAME"] {
            if let name = environment[variable], !name.isEmpty { return name }
        }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid-\(getuid())"
    }
}
