// Generated from Sources/EventContracts/Schemas/**.json — do not edit by hand.
// Regenerate: SLUICE_EMBED_SCHEMAS=1 swift test --filter EventContractsTests.SchemaDocumentTests
// (a test fails whenever this file and the documents disagree).

extension SchemaDocuments {
    /// Every schema document as `(path under Schemas/, JSON text)`, embedded so `sluice` works
    /// from any directory without a resource bundle.
    static let embedded: [(path: String, json: String)] = [
        ("growthos/event.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/growthos/event.v1.json",
  "title": "growthos event object, version 1",
  "description": "Seed 001 event object. A payload with `productId` is product ingestion: user ids optional, no anonymous profile, eventId/sessionId/eventName/timestamp optional. Otherwise eventId, sessionId, eventName, timestamp and one of profileId/userId are required.",
  "x-sluice-contract": "growthos",
  "x-sluice-type": "event",
  "x-sluice-version": 1,
  "type": "object",
  "properties": {
    "eventId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "profileId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "userId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "sessionId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "accountId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "pageId": {
      "type": "string"
    },
    "eventName": {
      "type": "string",
      "minLength": 1,
      "maxLength": 64,
      "description": "free-form event name; becomes the canonical type"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "productId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "data": {
      "type": "object"
    },
    "attributes": {
      "type": "object"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    }
  },
  "if": {
    "required": [
      "productId"
    ]
  },
  "then": {
    "required": [
      "productId"
    ]
  },
  "else": {
    "required": [
      "eventId",
      "sessionId",
      "eventName",
      "timestamp"
    ],
    "anyOf": [
      {
        "required": [
          "profileId"
        ]
      },
      {
        "required": [
          "userId"
        ]
      }
    ]
  },
  "additionalProperties": true
}
"""####),
        ("ingestion-api/envelope.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/ingestion-api/envelope.v1.json",
  "title": "ingestion-api envelope, version 1",
  "description": "`{event_type, payload}` of seed 000 plus optional envelope fields. Unknown envelope fields are rejected.",
  "x-sluice-contract": "ingestion-api",
  "x-sluice-type": "envelope",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_type",
    "payload"
  ],
  "properties": {
    "event_type": {
      "type": "string",
      "enum": [
        "user_profile_update",
        "event_details_update",
        "sales_transaction",
        "user_engagement",
        "event_attendance"
      ]
    },
    "payload": {
      "type": "object"
    },
    "event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "producer's unique event id; the idempotency key"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time",
      "description": "occurrence time; overrides the payload's own timestamp field"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "producer": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "source_service": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    }
  },
  "additionalProperties": false
}
"""####),
        ("ingestion-api/event_attendance.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/ingestion-api/event_attendance.v1.json",
  "title": "ingestion-api event_attendance payload, version 1",
  "description": "The `payload` object of an ingestion-api `event_attendance` event (seed 000). Extra custom fields are allowed and stored.",
  "x-sluice-contract": "ingestion-api",
  "x-sluice-type": "event_attendance",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "eventId",
    "actualAttendees",
    "registeredAttendees",
    "recordedAt"
  ],
  "properties": {
    "eventId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "actualAttendees": {
      "type": "number",
      "minimum": 0
    },
    "registeredAttendees": {
      "type": "number",
      "minimum": 0
    },
    "attendanceRate": {
      "type": "number"
    },
    "recordedAt": {
      "type": "string",
      "format": "date-time"
    },
    "demographicBreakdown": {
      "type": "object"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1,
      "description": "optional payload schema version (seed 000 'Versioning'); default 1"
    }
  },
  "additionalProperties": true
}
"""####),
        ("ingestion-api/event_details_update.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/ingestion-api/event_details_update.v1.json",
  "title": "ingestion-api event_details_update payload, version 1",
  "description": "The `payload` object of an ingestion-api `event_details_update` event (seed 000). Extra custom fields are allowed and stored.",
  "x-sluice-contract": "ingestion-api",
  "x-sluice-type": "event_details_update",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "eventId",
    "eventName",
    "startAt",
    "endAt"
  ],
  "properties": {
    "eventId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "eventName": {
      "type": "string"
    },
    "startAt": {
      "type": "string",
      "format": "date-time"
    },
    "endAt": {
      "type": "string",
      "format": "date-time"
    },
    "location": {
      "type": "string"
    },
    "capacity": {
      "type": "number",
      "minimum": 0
    },
    "category": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1,
      "description": "optional payload schema version (seed 000 'Versioning'); default 1"
    }
  },
  "additionalProperties": true
}
"""####),
        ("ingestion-api/sales_transaction.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/ingestion-api/sales_transaction.v1.json",
  "title": "ingestion-api sales_transaction payload, version 1",
  "description": "The `payload` object of an ingestion-api `sales_transaction` event (seed 000). Extra custom fields are allowed and stored.",
  "x-sluice-contract": "ingestion-api",
  "x-sluice-type": "sales_transaction",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "transactionId",
    "userId",
    "productId",
    "value",
    "currency",
    "quantity",
    "transactionAt"
  ],
  "properties": {
    "transactionId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "userId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "eventId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "productId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "value": {
      "type": "number"
    },
    "currency": {
      "type": "string",
      "format": "iso4217"
    },
    "quantity": {
      "type": "number"
    },
    "transactionAt": {
      "type": "string",
      "format": "date-time"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1,
      "description": "optional payload schema version (seed 000 'Versioning'); default 1"
    }
  },
  "additionalProperties": true
}
"""####),
        ("ingestion-api/user_engagement.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/ingestion-api/user_engagement.v1.json",
  "title": "ingestion-api user_engagement payload, version 1",
  "description": "The `payload` object of an ingestion-api `user_engagement` event (seed 000). Extra custom fields are allowed and stored.",
  "x-sluice-contract": "ingestion-api",
  "x-sluice-type": "user_engagement",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "userId",
    "engagementType",
    "engagementAt"
  ],
  "properties": {
    "userId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "engagementType": {
      "type": "string"
    },
    "resourceId": {
      "type": "string"
    },
    "eventId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "engagementAt": {
      "type": "string",
      "format": "date-time"
    },
    "duration": {
      "type": "number",
      "minimum": 0
    },
    "metadata": {
      "type": "object"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1,
      "description": "optional payload schema version (seed 000 'Versioning'); default 1"
    }
  },
  "additionalProperties": true
}
"""####),
        ("ingestion-api/user_profile_update.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/ingestion-api/user_profile_update.v1.json",
  "title": "ingestion-api user_profile_update payload, version 1",
  "description": "The `payload` object of an ingestion-api `user_profile_update` event (seed 000). Extra custom fields are allowed and stored.",
  "x-sluice-contract": "ingestion-api",
  "x-sluice-type": "user_profile_update",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "userId"
  ],
  "properties": {
    "userId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "email": {
      "type": "string"
    },
    "firstName": {
      "type": "string"
    },
    "lastName": {
      "type": "string"
    },
    "role": {
      "type": "string"
    },
    "company": {
      "type": "string"
    },
    "lastSeenAt": {
      "type": "string",
      "format": "date-time"
    },
    "customAttributes": {
      "type": "object"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1,
      "description": "optional payload schema version (seed 000 'Versioning'); default 1"
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/add_to_calendar_clicked.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/add_to_calendar_clicked.v1.json",
  "title": "platform add_to_calendar_clicked, version 1",
  "description": "Seed 002 common event properties plus the `add_to_calendar_clicked` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "add_to_calendar_clicked",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "target_event_id",
    "calendar_type"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "add_to_calendar_clicked"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "target_event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "the platform event (webinar, conference…) acted on; seed 002 calls it `event_id`, renamed because `event_id` is the instance UUID"
    },
    "calendar_type": {
      "type": "string",
      "description": "e.g. google, outlook"
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/ai_content_generated.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/ai_content_generated.v1.json",
  "title": "platform ai_content_generated, version 1",
  "description": "Seed 002 common event properties plus the `ai_content_generated` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "ai_content_generated",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "organizer_id",
    "target_event_id",
    "content_type",
    "ai_model_used"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "ai_content_generated"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "organizer_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "target_event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "the platform event (webinar, conference…) acted on; seed 002 calls it `event_id`, renamed because `event_id` is the instance UUID"
    },
    "content_type": {
      "type": "string",
      "description": "e.g. title, description, agenda"
    },
    "ai_model_used": {
      "type": "string"
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/checkout_initiated.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/checkout_initiated.v1.json",
  "title": "platform checkout_initiated, version 1",
  "description": "Seed 002 common event properties plus the `checkout_initiated` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "checkout_initiated",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "target_event_id",
    "total_amount"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "checkout_initiated"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "target_event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "the platform event (webinar, conference…) acted on; seed 002 calls it `event_id`, renamed because `event_id` is the instance UUID"
    },
    "total_amount": {
      "type": "number",
      "minimum": 0
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/event_card_clicked.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/event_card_clicked.v1.json",
  "title": "platform event_card_clicked, version 1",
  "description": "Seed 002 common event properties plus the `event_card_clicked` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "event_card_clicked",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "target_event_id",
    "position_in_feed"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "event_card_clicked"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "target_event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "the platform event (webinar, conference…) acted on; seed 002 calls it `event_id`, renamed because `event_id` is the instance UUID"
    },
    "position_in_feed": {
      "type": "integer",
      "minimum": 0
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/event_created.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/event_created.v1.json",
  "title": "platform event_created, version 1",
  "description": "Seed 002 common event properties plus the `event_created` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "event_created",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "organizer_id",
    "target_event_id",
    "event_category",
    "is_paid"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "event_created"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "organizer_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "target_event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "the platform event (webinar, conference…) acted on; seed 002 calls it `event_id`, renamed because `event_id` is the instance UUID"
    },
    "event_category": {
      "type": "string"
    },
    "is_paid": {
      "type": "boolean"
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/event_updated.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/event_updated.v1.json",
  "title": "platform event_updated, version 1",
  "description": "Seed 002 common event properties plus the `event_updated` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "event_updated",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "organizer_id",
    "target_event_id",
    "updated_fields"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "event_updated"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "organizer_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "target_event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "the platform event (webinar, conference…) acted on; seed 002 calls it `event_id`, renamed because `event_id` is the instance UUID"
    },
    "updated_fields": {
      "type": "array",
      "items": {
        "type": "string"
      },
      "minItems": 1
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/event_viewed.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/event_viewed.v1.json",
  "title": "platform event_viewed, version 1",
  "description": "Seed 002 common event properties plus the `event_viewed` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "event_viewed",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "target_event_id",
    "source"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "event_viewed"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "target_event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "the platform event (webinar, conference…) acted on; seed 002 calls it `event_id`, renamed because `event_id` is the instance UUID"
    },
    "source": {
      "type": "string",
      "description": "e.g. personalized_feed, search_results, direct_link"
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/interest_selected.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/interest_selected.v1.json",
  "title": "platform interest_selected, version 1",
  "description": "Seed 002 common event properties plus the `interest_selected` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "interest_selected",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "interest_name"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "interest_selected"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "interest_name": {
      "type": "string"
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/profile_updated.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/profile_updated.v1.json",
  "title": "platform profile_updated, version 1",
  "description": "Seed 002 common event properties plus the `profile_updated` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "profile_updated",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "updated_fields"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "profile_updated"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "updated_fields": {
      "type": "array",
      "items": {
        "type": "string"
      },
      "minItems": 1
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/promotional_content_generated.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/promotional_content_generated.v1.json",
  "title": "platform promotional_content_generated, version 1",
  "description": "Seed 002 common event properties plus the `promotional_content_generated` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "promotional_content_generated",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "organizer_id",
    "target_event_id",
    "channel",
    "ai_model_used"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "promotional_content_generated"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "organizer_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "target_event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "the platform event (webinar, conference…) acted on; seed 002 calls it `event_id`, renamed because `event_id` is the instance UUID"
    },
    "channel": {
      "type": "string",
      "description": "e.g. facebook, email"
    },
    "ai_model_used": {
      "type": "string"
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/recommendation_feedback_provided.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/recommendation_feedback_provided.v1.json",
  "title": "platform recommendation_feedback_provided, version 1",
  "description": "Seed 002 common event properties plus the `recommendation_feedback_provided` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "recommendation_feedback_provided",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "target_event_id",
    "feedback_type"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "recommendation_feedback_provided"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "target_event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "the platform event (webinar, conference…) acted on; seed 002 calls it `event_id`, renamed because `event_id` is the instance UUID"
    },
    "feedback_type": {
      "type": "string",
      "description": "e.g. like, dislike, more_like_this"
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/rsvp_clicked.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/rsvp_clicked.v1.json",
  "title": "platform rsvp_clicked, version 1",
  "description": "Seed 002 common event properties plus the `rsvp_clicked` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "rsvp_clicked",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "target_event_id"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "rsvp_clicked"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "target_event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "the platform event (webinar, conference…) acted on; seed 002 calls it `event_id`, renamed because `event_id` is the instance UUID"
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/rsvp_confirmed.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/rsvp_confirmed.v1.json",
  "title": "platform rsvp_confirmed, version 1",
  "description": "Seed 002 common event properties plus the `rsvp_confirmed` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "rsvp_confirmed",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "target_event_id",
    "rsvp_status"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "rsvp_confirmed"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "target_event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "the platform event (webinar, conference…) acted on; seed 002 calls it `event_id`, renamed because `event_id` is the instance UUID"
    },
    "rsvp_status": {
      "type": "string",
      "description": "e.g. attending, interested"
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/search_performed.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/search_performed.v1.json",
  "title": "platform search_performed, version 1",
  "description": "Seed 002 common event properties plus the `search_performed` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "search_performed",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "search_query",
    "search_results_count"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "search_performed"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "search_query": {
      "type": "string"
    },
    "search_results_count": {
      "type": "integer",
      "minimum": 0
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/ticket_purchased.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/ticket_purchased.v1.json",
  "title": "platform ticket_purchased, version 1",
  "description": "Seed 002 common event properties plus the `ticket_purchased` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "ticket_purchased",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "target_event_id",
    "ticket_id",
    "amount",
    "currency",
    "payment_method"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "ticket_purchased"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "target_event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "the platform event (webinar, conference…) acted on; seed 002 calls it `event_id`, renamed because `event_id` is the instance UUID"
    },
    "ticket_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "amount": {
      "type": "number",
      "minimum": 0
    },
    "currency": {
      "type": "string",
      "format": "iso4217"
    },
    "payment_method": {
      "type": "string"
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/ticket_selected.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/ticket_selected.v1.json",
  "title": "platform ticket_selected, version 1",
  "description": "Seed 002 common event properties plus the `ticket_selected` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "ticket_selected",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "target_event_id",
    "ticket_type",
    "quantity"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "ticket_selected"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "target_event_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "the platform event (webinar, conference…) acted on; seed 002 calls it `event_id`, renamed because `event_id` is the instance UUID"
    },
    "ticket_type": {
      "type": "string"
    },
    "quantity": {
      "type": "integer",
      "minimum": 1
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/user_logged_in.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/user_logged_in.v1.json",
  "title": "platform user_logged_in, version 1",
  "description": "Seed 002 common event properties plus the `user_logged_in` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "user_logged_in",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "login_method"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "user_logged_in"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "login_method": {
      "type": "string"
    }
  },
  "additionalProperties": true
}
"""####),
        ("platform/user_signed_up.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/platform/user_signed_up.v1.json",
  "title": "platform user_signed_up, version 1",
  "description": "Seed 002 common event properties plus the `user_signed_up` properties.",
  "x-sluice-contract": "platform",
  "x-sluice-type": "user_signed_up",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "event_id",
    "timestamp",
    "event_name",
    "user_id",
    "signup_method"
  ],
  "properties": {
    "event_id": {
      "type": "string",
      "format": "uuid",
      "description": "unique identifier of this event instance (the idempotency key)"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "session_id": {
      "type": "string",
      "format": "uuid"
    },
    "device_type": {
      "type": "string",
      "description": "e.g. web, mobile_ios, mobile_android"
    },
    "platform": {
      "type": "string",
      "description": "operating system or browser"
    },
    "ip_address": {
      "type": "string",
      "description": "truncated to /24 (IPv4) or /48 (IPv6) before storage"
    },
    "event_name": {
      "const": "user_signed_up"
    },
    "page_url": {
      "type": "string"
    },
    "referrer_url": {
      "type": "string"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": [
        "string",
        "integer"
      ],
      "description": "UUID or integer user id (seed 002)"
    },
    "signup_method": {
      "type": "string",
      "description": "e.g. email, google, facebook"
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/a_b_test.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/a_b_test.v1.json",
  "title": "pocm a_b_test payload, version 1",
  "description": "Seed 003 lists `a_b_test` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "a_b_test",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/abandonment.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/abandonment.v1.json",
  "title": "pocm abandonment payload, version 1",
  "description": "The `data` object of a pocm `abandonment` event (seed 003 §3.18 AbandonmentEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "abandonment",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "abandonment_type",
    "stage",
    "abandonment_duration",
    "cart_value",
    "items_count",
    "exit_page",
    "recovery_email_sent"
  ],
  "properties": {
    "abandonment_type": {
      "type": "string",
      "enum": [
        "cart",
        "checkout",
        "search",
        "product_view",
        "registration"
      ]
    },
    "stage": {
      "type": "string"
    },
    "abandonment_duration": {
      "type": "string",
      "format": "duration"
    },
    "cart_value": {
      "$ref": "#/$defs/Money"
    },
    "items_count": {
      "type": "integer",
      "minimum": 0
    },
    "exit_page": {
      "type": "string",
      "format": "uri"
    },
    "recovery_email_sent": {
      "type": "boolean"
    }
  },
  "additionalProperties": true,
  "$defs": {
    "Money": {
      "type": "object",
      "description": "seed 003 §1.1",
      "required": [
        "amount",
        "currency"
      ],
      "properties": {
        "amount": {
          "type": "number",
          "minimum": 0
        },
        "currency": {
          "type": "string",
          "format": "iso4217"
        }
      }
    }
  }
}
"""####),
        ("pocm/adverse_event.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/adverse_event.v1.json",
  "title": "pocm adverse_event payload, version 1",
  "description": "The `data` object of a pocm `adverse_event` event (seed 003 §3.25 AdverseEventReport). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "adverse_event",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "device_id",
    "event_type",
    "severity",
    "reporter_type",
    "onset_time",
    "medical_intervention_required",
    "regulatory_reporting_required",
    "batch_investigation_triggered"
  ],
  "properties": {
    "device_id": {
      "type": "string"
    },
    "event_type": {
      "type": "string",
      "enum": [
        "skin_irritation",
        "allergic_reaction",
        "device_malfunction",
        "dosage_error",
        "infection",
        "other"
      ]
    },
    "severity": {
      "type": "string",
      "enum": [
        "mild",
        "moderate",
        "severe",
        "life_threatening"
      ]
    },
    "reporter_type": {
      "type": "string",
      "enum": [
        "patient",
        "healthcare_provider",
        "caregiver",
        "manufacturer"
      ]
    },
    "event_description": {
      "type": "string"
    },
    "onset_time": {
      "type": "string",
      "format": "date-time"
    },
    "resolution_time": {
      "type": "string",
      "format": "date-time"
    },
    "medical_intervention_required": {
      "type": "boolean"
    },
    "regulatory_reporting_required": {
      "type": "boolean"
    },
    "batch_investigation_triggered": {
      "type": "boolean"
    },
    "patient_demographics": {
      "type": "object",
      "required": [
        "age_group",
        "gender",
        "medical_conditions"
      ],
      "properties": {
        "age_group": {
          "type": "string",
          "enum": [
            "pediatric",
            "adult",
            "geriatric"
          ]
        },
        "gender": {
          "type": "string",
          "enum": [
            "male",
            "female",
            "other",
            "not_specified"
          ]
        },
        "medical_conditions": {
          "type": "array",
          "items": {
            "type": "string"
          }
        }
      }
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/affiliate.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/affiliate.v1.json",
  "title": "pocm affiliate payload, version 1",
  "description": "The `data` object of a pocm `affiliate` event (seed 003 §3.12 AffiliateEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "affiliate",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "affiliate_id",
    "action",
    "commission_rate",
    "commission_amount",
    "referral_url",
    "conversion_value",
    "tracking_id"
  ],
  "properties": {
    "affiliate_id": {
      "type": "string"
    },
    "action": {
      "type": "string",
      "enum": [
        "click",
        "conversion",
        "commission_earned",
        "payout"
      ]
    },
    "commission_rate": {
      "type": "number",
      "minimum": 0,
      "maximum": 1
    },
    "commission_amount": {
      "$ref": "#/$defs/Money"
    },
    "referral_url": {
      "type": "string",
      "format": "uri"
    },
    "conversion_value": {
      "$ref": "#/$defs/Money"
    },
    "tracking_id": {
      "type": "string"
    }
  },
  "additionalProperties": true,
  "$defs": {
    "Money": {
      "type": "object",
      "description": "seed 003 §1.1",
      "required": [
        "amount",
        "currency"
      ],
      "properties": {
        "amount": {
          "type": "number",
          "minimum": 0
        },
        "currency": {
          "type": "string",
          "format": "iso4217"
        }
      }
    }
  }
}
"""####),
        ("pocm/anomaly_detection.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/anomaly_detection.v1.json",
  "title": "pocm anomaly_detection payload, version 1",
  "description": "Seed 003 lists `anomaly_detection` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "anomaly_detection",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/audit_trail.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/audit_trail.v1.json",
  "title": "pocm audit_trail payload, version 1",
  "description": "Seed 003 lists `audit_trail` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "audit_trail",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/batch_production.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/batch_production.v1.json",
  "title": "pocm batch_production payload, version 1",
  "description": "Seed 003 lists `batch_production` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "batch_production",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/bulk_order.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/bulk_order.v1.json",
  "title": "pocm bulk_order payload, version 1",
  "description": "Seed 003 lists `bulk_order` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "bulk_order",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/cart.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/cart.v1.json",
  "title": "pocm cart payload, version 1",
  "description": "The `data` object of a pocm `cart` event (seed 003 §3.1 CartEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "cart",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "cart_id",
    "action",
    "cart_total",
    "cart_abandonment_duration"
  ],
  "properties": {
    "cart_id": {
      "type": "string"
    },
    "action": {
      "type": "string",
      "enum": [
        "item_added",
        "item_removed",
        "item_updated",
        "cart_viewed",
        "cart_cleared"
      ]
    },
    "items_added": {
      "type": "array",
      "items": {
        "type": "object",
        "required": [
          "product_id",
          "quantity",
          "price",
          "category"
        ],
        "properties": {
          "product_id": {
            "type": "string"
          },
          "quantity": {
            "type": "integer",
            "minimum": 1
          },
          "price": {
            "type": "number",
            "minimum": 0
          },
          "category": {
            "type": "string"
          }
        }
      },
      "description": "required when action = item_added"
    },
    "cart_total": {
      "$ref": "#/$defs/Money"
    },
    "cart_abandonment_duration": {
      "type": "string",
      "format": "duration"
    },
    "coupon_code": {
      "type": "string"
    },
    "device": {
      "$ref": "#/$defs/Device"
    },
    "geo": {
      "$ref": "#/$defs/Geo"
    }
  },
  "if": {
    "properties": {
      "action": {
        "const": "item_added"
      }
    },
    "required": [
      "action"
    ]
  },
  "then": {
    "required": [
      "items_added"
    ]
  },
  "additionalProperties": true,
  "$defs": {
    "Device": {
      "type": "object",
      "description": "seed 003 §1.3",
      "required": [
        "platform",
        "user_agent",
        "screen_resolution"
      ],
      "properties": {
        "platform": {
          "type": "string",
          "enum": [
            "web",
            "mobile_app",
            "tablet",
            "desktop"
          ]
        },
        "user_agent": {
          "type": "string"
        },
        "screen_resolution": {
          "type": "string",
          "examples": [
            "1920x1080"
          ]
        }
      }
    },
    "Geo": {
      "type": "object",
      "description": "seed 003 §1.2",
      "required": [
        "country",
        "region",
        "city"
      ],
      "properties": {
        "country": {
          "type": "string",
          "format": "iso3166-alpha2"
        },
        "region": {
          "type": "string"
        },
        "city": {
          "type": "string"
        }
      }
    },
    "Money": {
      "type": "object",
      "description": "seed 003 §1.1",
      "required": [
        "amount",
        "currency"
      ],
      "properties": {
        "amount": {
          "type": "number",
          "minimum": 0
        },
        "currency": {
          "type": "string",
          "format": "iso4217"
        }
      }
    }
  }
}
"""####),
        ("pocm/certification.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/certification.v1.json",
  "title": "pocm certification payload, version 1",
  "description": "Seed 003 lists `certification` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "certification",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/checkout.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/checkout.v1.json",
  "title": "pocm checkout payload, version 1",
  "description": "The `data` object of a pocm `checkout` event (seed 003 §3.2 CheckoutEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "checkout",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "cart_id",
    "checkout_status",
    "total_order_value",
    "number_of_items",
    "applied_discounts",
    "payment_method",
    "shipping_region",
    "checkout_duration",
    "session_id"
  ],
  "properties": {
    "cart_id": {
      "type": "string"
    },
    "checkout_status": {
      "type": "string",
      "enum": [
        "started",
        "completed",
        "abandoned",
        "failed"
      ]
    },
    "total_order_value": {
      "$ref": "#/$defs/Money"
    },
    "number_of_items": {
      "type": "integer",
      "minimum": 1
    },
    "applied_discounts": {
      "type": "number",
      "minimum": 0
    },
    "payment_method": {
      "type": "string",
      "enum": [
        "credit_card",
        "debit_card",
        "upi",
        "paytm",
        "google_pay",
        "bank_transfer",
        "cash_on_delivery"
      ]
    },
    "shipping_region": {
      "type": "string"
    },
    "checkout_duration": {
      "type": "string",
      "format": "duration"
    },
    "session_id": {
      "type": "string"
    }
  },
  "additionalProperties": true,
  "$defs": {
    "Money": {
      "type": "object",
      "description": "seed 003 §1.1",
      "required": [
        "amount",
        "currency"
      ],
      "properties": {
        "amount": {
          "type": "number",
          "minimum": 0
        },
        "currency": {
          "type": "string",
          "format": "iso4217"
        }
      }
    }
  }
}
"""####),
        ("pocm/clinical_data.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/clinical_data.v1.json",
  "title": "pocm clinical_data payload, version 1",
  "description": "Seed 003 lists `clinical_data` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "clinical_data",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/cohort_analysis.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/cohort_analysis.v1.json",
  "title": "pocm cohort_analysis payload, version 1",
  "description": "Seed 003 lists `cohort_analysis` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "cohort_analysis",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/comparison.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/comparison.v1.json",
  "title": "pocm comparison payload, version 1",
  "description": "The `data` object of a pocm `comparison` event (seed 003 §3.17 ComparisonEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "comparison",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "comparison_id",
    "products_compared",
    "comparison_criteria",
    "comparison_duration"
  ],
  "properties": {
    "comparison_id": {
      "type": "string"
    },
    "products_compared": {
      "type": "array",
      "items": {
        "type": "string"
      },
      "minItems": 2
    },
    "comparison_criteria": {
      "type": "array",
      "items": {
        "type": "string"
      }
    },
    "selected_product": {
      "type": "string"
    },
    "comparison_duration": {
      "type": "string",
      "format": "duration"
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/device_activation.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/device_activation.v1.json",
  "title": "pocm device_activation payload, version 1",
  "description": "The `data` object of a pocm `device_activation` event (seed 003 §3.21 DeviceActivationEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "device_activation",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "device_id",
    "batch_number",
    "activation_method",
    "device_type"
  ],
  "properties": {
    "device_id": {
      "type": "string",
      "format": "nflx-device-id",
      "description": "NFLX_ followed by 8 upper-case letters or digits"
    },
    "batch_number": {
      "type": "string",
      "format": "batch-number",
      "description": "BATCH_YYYYMMDD_XXX: a valid date and 3 upper-case letters or digits"
    },
    "activation_method": {
      "type": "string",
      "enum": [
        "qr_scan",
        "nfc_tap",
        "manual_entry",
        "app_pairing"
      ]
    },
    "patient_id": {
      "type": "string",
      "description": "anonymized; medical: encrypted at rest"
    },
    "healthcare_provider": {
      "type": "string"
    },
    "prescription_id": {
      "type": "string",
      "description": "medical: encrypted at rest"
    },
    "device_type": {
      "type": "string",
      "enum": [
        "insulin_patch",
        "pain_relief_patch",
        "hormone_patch_microsizefibers",
        "vaccine_patch",
        "diagnostic_sensor"
      ]
    },
    "activation_location": {
      "$ref": "#/$defs/Geo"
    },
    "device_metadata": {
      "type": "object",
      "required": [
        "firmware_version",
        "manufacturing_date",
        "expiry_date",
        "storage_conditions"
      ],
      "properties": {
        "firmware_version": {
          "type": "string"
        },
        "manufacturing_date": {
          "type": "string",
          "format": "date"
        },
        "expiry_date": {
          "type": "string",
          "format": "date"
        },
        "storage_conditions": {
          "type": "object",
          "required": [
            "temperature_range",
            "humidity_exposure"
          ],
          "properties": {
            "temperature_range": {
              "type": "string"
            },
            "humidity_exposure": {
              "type": "number"
            }
          }
        }
      }
    }
  },
  "additionalProperties": true,
  "$defs": {
    "Geo": {
      "type": "object",
      "description": "seed 003 §1.2",
      "required": [
        "country",
        "region",
        "city"
      ],
      "properties": {
        "country": {
          "type": "string",
          "format": "iso3166-alpha2"
        },
        "region": {
          "type": "string"
        },
        "city": {
          "type": "string"
        }
      }
    }
  }
}
"""####),
        ("pocm/distribution.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/distribution.v1.json",
  "title": "pocm distribution payload, version 1",
  "description": "Seed 003 lists `distribution` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "distribution",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/dosage_delivery.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/dosage_delivery.v1.json",
  "title": "pocm dosage_delivery payload, version 1",
  "description": "The `data` object of a pocm `dosage_delivery` event (seed 003 §3.24 DosageDeliveryEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "dosage_delivery",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "device_id",
    "substance_delivered",
    "dosage_amount",
    "unit_of_measurement",
    "delivery_timestamp",
    "delivery_method",
    "delivery_success"
  ],
  "properties": {
    "device_id": {
      "type": "string"
    },
    "substance_delivered": {
      "type": "string"
    },
    "dosage_amount": {
      "type": "number"
    },
    "unit_of_measurement": {
      "type": "string"
    },
    "delivery_timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "delivery_method": {
      "type": "string",
      "enum": [
        "micro_needle",
        "transdermal",
        "iontophoresis",
        "ultrasonic"
      ]
    },
    "delivery_rate": {
      "type": "number"
    },
    "delivery_pressure": {
      "type": "number"
    },
    "delivery_success": {
      "type": "boolean"
    },
    "patient_response": {
      "type": "object",
      "required": [
        "immediate_reaction",
        "pain_level",
        "absorption_rate"
      ],
      "properties": {
        "immediate_reaction": {
          "type": "string",
          "enum": [
            "none",
            "mild_irritation",
            "moderate_reaction",
            "severe_reaction"
          ]
        },
        "pain_level": {
          "type": "integer",
          "minimum": 0,
          "maximum": 10
        },
        "absorption_rate": {
          "type": "string",
          "enum": [
            "fast",
            "normal",
            "slow",
            "impaired"
          ]
        }
      }
    },
    "reservoir_level_remaining": {
      "type": "number",
      "minimum": 0,
      "maximum": 100,
      "description": "percentage"
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/efficacy_measurement.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/efficacy_measurement.v1.json",
  "title": "pocm efficacy_measurement payload, version 1",
  "description": "Seed 003 lists `efficacy_measurement` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "efficacy_measurement",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/envelope.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/envelope.v1.json",
  "title": "pocm IngestEnvelope, version 1",
  "description": "Seed 003 §2.2. `data` is validated by the `<type>.v<schema_version>.json` payload schema. Unknown envelope fields are rejected (typo guard).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "envelope",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "type",
    "data",
    "occurred_at",
    "producer",
    "source_service"
  ],
  "properties": {
    "type": {
      "type": "string",
      "enum": [
        "cart",
        "checkout",
        "payment",
        "notification",
        "logistics",
        "user",
        "inventory",
        "feedback",
        "search",
        "recommendation",
        "promotion",
        "affiliate",
        "subscription",
        "support",
        "review",
        "wishlist",
        "comparison",
        "abandonment",
        "referral",
        "loyalty",
        "device_activation",
        "patch_application",
        "sensor_reading",
        "dosage_delivery",
        "adverse_event",
        "efficacy_measurement",
        "patient_outcome",
        "clinical_data",
        "regulatory_report",
        "batch_production",
        "quality_control",
        "sterilization",
        "packaging",
        "distribution",
        "recall",
        "provider_onboarding",
        "bulk_order",
        "training_completion",
        "certification",
        "audit_trail",
        "ml_prediction",
        "anomaly_detection",
        "cohort_analysis",
        "a_b_test",
        "personalization"
      ]
    },
    "data": {
      "type": "object"
    },
    "occurred_at": {
      "type": "string",
      "format": "date-time"
    },
    "producer": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "source_service": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "user_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "order_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "session_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "trace_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "idempotency_key": {
      "type": "string",
      "format": "idempotency-key",
      "description": "1..255 safe characters: A-Z a-z 0-9 . _ : -"
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "server-assigned from the API key / --tenant; when present it must equal it"
    },
    "schema_version": {
      "type": "integer",
      "minimum": 1,
      "description": "payload schema version; default 1"
    }
  },
  "additionalProperties": false
}
"""####),
        ("pocm/feedback.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/feedback.v1.json",
  "title": "pocm feedback payload, version 1",
  "description": "The `data` object of a pocm `feedback` event (seed 003 §3.8 FeedbackEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "feedback",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "feedback_id",
    "rating",
    "category",
    "sentiment",
    "channel",
    "resolved",
    "helpful_votes"
  ],
  "properties": {
    "feedback_id": {
      "type": "string"
    },
    "rating": {
      "type": "integer",
      "minimum": 1,
      "maximum": 5
    },
    "comment": {
      "type": "string"
    },
    "category": {
      "type": "string",
      "enum": [
        "product",
        "service",
        "delivery",
        "website",
        "support",
        "general"
      ]
    },
    "sentiment": {
      "type": "string",
      "enum": [
        "positive",
        "negative",
        "neutral"
      ]
    },
    "channel": {
      "type": "string",
      "enum": [
        "website",
        "email",
        "phone",
        "chat",
        "social_media",
        "app"
      ]
    },
    "resolved": {
      "type": "boolean"
    },
    "resolution_duration": {
      "type": "string",
      "format": "duration"
    },
    "tags": {
      "type": "array",
      "items": {
        "type": "string"
      }
    },
    "helpful_votes": {
      "type": "integer",
      "minimum": 0
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/inventory.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/inventory.v1.json",
  "title": "pocm inventory payload, version 1",
  "description": "The `data` object of a pocm `inventory` event (seed 003 §3.7 InventoryEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "inventory",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "product_id",
    "warehouse_id",
    "stock_level",
    "action",
    "quantity_changed",
    "last_restock",
    "out_of_stock_frequency",
    "product_category",
    "avg_turnover_days",
    "returned_units",
    "daily_units_sold",
    "reorder_threshold",
    "shrinkage_rate",
    "supplier_id"
  ],
  "properties": {
    "product_id": {
      "type": "string"
    },
    "warehouse_id": {
      "type": "string"
    },
    "stock_level": {
      "type": "integer",
      "minimum": 0
    },
    "action": {
      "type": "string",
      "enum": [
        "restock",
        "sale",
        "return",
        "adjustment",
        "transfer",
        "reservation"
      ]
    },
    "quantity_changed": {
      "type": "integer",
      "description": "negative for sales"
    },
    "last_restock": {
      "type": "string",
      "format": "date-time"
    },
    "out_of_stock_frequency": {
      "type": "integer",
      "minimum": 0
    },
    "product_category": {
      "type": "string"
    },
    "avg_turnover_days": {
      "type": "integer",
      "minimum": 0
    },
    "returned_units": {
      "type": "integer",
      "minimum": 0
    },
    "daily_units_sold": {
      "type": "integer",
      "minimum": 0
    },
    "reorder_threshold": {
      "type": "integer",
      "minimum": 0
    },
    "shrinkage_rate": {
      "type": "number",
      "minimum": 0,
      "maximum": 1
    },
    "supplier_id": {
      "type": "string"
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/logistics.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/logistics.v1.json",
  "title": "pocm logistics payload, version 1",
  "description": "The `data` object of a pocm `logistics` event (seed 003 §3.5 LogisticsEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "logistics",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "warehouse_id",
    "delivery_partner",
    "tracking_id",
    "delivery_status",
    "estimated_delivery",
    "delivery_region",
    "return_status",
    "delivery_updates"
  ],
  "properties": {
    "warehouse_id": {
      "type": "string"
    },
    "delivery_partner": {
      "type": "string",
      "enum": [
        "bluedart",
        "dtdc",
        "delhivery",
        "ecom_express",
        "xpressbees",
        "local_courier"
      ]
    },
    "tracking_id": {
      "type": "string"
    },
    "delivery_status": {
      "type": "string",
      "enum": [
        "pending",
        "picked_up",
        "in_transit",
        "out_for_delivery",
        "delivered",
        "failed",
        "returned"
      ]
    },
    "estimated_delivery": {
      "type": "string",
      "format": "date-time"
    },
    "actual_delivery": {
      "type": "string",
      "format": "date-time"
    },
    "delivery_region": {
      "type": "string"
    },
    "return_status": {
      "type": "string",
      "enum": [
        "none",
        "requested",
        "approved",
        "in_transit",
        "completed"
      ]
    },
    "delivery_delay_duration": {
      "type": "string",
      "format": "duration"
    },
    "delivery_updates": {
      "type": "array",
      "items": {
        "type": "object",
        "required": [
          "status",
          "timestamp",
          "location"
        ],
        "properties": {
          "status": {
            "type": "string"
          },
          "timestamp": {
            "type": "string",
            "format": "date-time"
          },
          "location": {
            "type": "string"
          }
        }
      }
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/loyalty.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/loyalty.v1.json",
  "title": "pocm loyalty payload, version 1",
  "description": "The `data` object of a pocm `loyalty` event (seed 003 §3.20 LoyaltyEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "loyalty",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "loyalty_program_id",
    "action",
    "current_points_balance",
    "tier_level"
  ],
  "properties": {
    "loyalty_program_id": {
      "type": "string"
    },
    "action": {
      "type": "string",
      "enum": [
        "points_earned",
        "points_redeemed",
        "tier_upgraded",
        "tier_downgraded",
        "reward_claimed"
      ]
    },
    "points_earned": {
      "type": "integer",
      "minimum": 0
    },
    "points_redeemed": {
      "type": "integer",
      "minimum": 0
    },
    "current_points_balance": {
      "type": "integer",
      "minimum": 0
    },
    "tier_level": {
      "type": "string",
      "enum": [
        "bronze",
        "silver",
        "gold",
        "platinum",
        "diamond"
      ]
    },
    "reward_id": {
      "type": "string"
    },
    "expiry_date": {
      "type": "string",
      "format": "date-time"
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/ml_prediction.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/ml_prediction.v1.json",
  "title": "pocm ml_prediction payload, version 1",
  "description": "Seed 003 lists `ml_prediction` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "ml_prediction",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/notification.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/notification.v1.json",
  "title": "pocm notification payload, version 1",
  "description": "The `data` object of a pocm `notification` event (seed 003 §3.4 NotificationEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "notification",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "notification_type",
    "notification_event",
    "delivery_status",
    "template_id",
    "vendor",
    "language",
    "trigger_source",
    "open_rate",
    "click_through_rate"
  ],
  "properties": {
    "notification_type": {
      "type": "string",
      "enum": [
        "email",
        "sms",
        "push",
        "in_app",
        "webhook"
      ]
    },
    "notification_event": {
      "type": "string",
      "enum": [
        "order_confirmation",
        "shipping_update",
        "payment_receipt",
        "promotion",
        "reminder",
        "welcome"
      ]
    },
    "delivery_status": {
      "type": "string",
      "enum": [
        "sent",
        "delivered",
        "opened",
        "clicked",
        "bounced",
        "failed",
        "unsubscribed"
      ]
    },
    "template_id": {
      "type": "string"
    },
    "vendor": {
      "type": "string",
      "enum": [
        "msg91",
        "netcore",
        "pepipost",
        "firebase",
        "custom"
      ]
    },
    "language": {
      "type": "string",
      "description": "BCP 47 tag, e.g. en-US"
    },
    "trigger_source": {
      "type": "string"
    },
    "open_rate": {
      "type": "number",
      "minimum": 0,
      "maximum": 1
    },
    "click_through_rate": {
      "type": "number",
      "minimum": 0,
      "maximum": 1
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/packaging.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/packaging.v1.json",
  "title": "pocm packaging payload, version 1",
  "description": "Seed 003 lists `packaging` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "packaging",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/patch_application.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/patch_application.v1.json",
  "title": "pocm patch_application payload, version 1",
  "description": "The `data` object of a pocm `patch_application` event (seed 003 §3.22 PatchApplicationEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "patch_application",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "device_id",
    "application_site",
    "application_timestamp"
  ],
  "properties": {
    "device_id": {
      "type": "string"
    },
    "application_site": {
      "type": "string",
      "enum": [
        "upper_arm",
        "abdomen",
        "thigh",
        "back",
        "chest"
      ]
    },
    "application_timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "skin_preparation": {
      "type": "object",
      "required": [
        "cleaned",
        "hair_removed",
        "skin_condition"
      ],
      "properties": {
        "cleaned": {
          "type": "boolean"
        },
        "hair_removed": {
          "type": "boolean"
        },
        "skin_condition": {
          "type": "string",
          "enum": [
            "normal",
            "dry",
            "oily",
            "sensitive",
            "irritated"
          ]
        }
      }
    },
    "application_pressure": {
      "type": "number"
    },
    "adhesion_quality": {
      "type": "string",
      "enum": [
        "excellent",
        "good",
        "fair",
        "poor"
      ]
    },
    "patient_comfort_score": {
      "type": "integer",
      "minimum": 1,
      "maximum": 10
    },
    "environmental_conditions": {
      "type": "object",
      "required": [
        "temperature",
        "humidity",
        "altitude"
      ],
      "properties": {
        "temperature": {
          "type": "number"
        },
        "humidity": {
          "type": "number"
        },
        "altitude": {
          "type": "number"
        }
      }
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/patient_outcome.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/patient_outcome.v1.json",
  "title": "pocm patient_outcome payload, version 1",
  "description": "Seed 003 lists `patient_outcome` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "patient_outcome",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/payment.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/payment.v1.json",
  "title": "pocm payment payload, version 1",
  "description": "The `data` object of a pocm `payment` event (seed 003 §3.3 PaymentEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "payment",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "transaction_id",
    "payment_gateway",
    "payment_method",
    "payment_status",
    "amount",
    "currency",
    "confirmation_duration",
    "risk_score"
  ],
  "properties": {
    "transaction_id": {
      "type": "string"
    },
    "payment_gateway": {
      "type": "string",
      "enum": [
        "razorpay",
        "payu",
        "ccavenue",
        "instamojo",
        "cashfree"
      ]
    },
    "payment_method": {
      "type": "string",
      "enum": [
        "credit_card",
        "debit_card",
        "upi",
        "paytm",
        "google_pay",
        "bank_transfer",
        "cash_on_delivery"
      ]
    },
    "payment_status": {
      "type": "string",
      "enum": [
        "pending",
        "authorized",
        "captured",
        "failed",
        "refunded",
        "partially_refunded",
        "cancelled"
      ]
    },
    "failure_reason": {
      "type": "string"
    },
    "amount": {
      "type": "number",
      "minimum": 0
    },
    "currency": {
      "type": "string",
      "format": "iso4217"
    },
    "refund_amount": {
      "type": "number",
      "minimum": 0
    },
    "confirmation_duration": {
      "type": "string",
      "format": "duration"
    },
    "risk_score": {
      "type": "number",
      "minimum": 0,
      "maximum": 100
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/personalization.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/personalization.v1.json",
  "title": "pocm personalization payload, version 1",
  "description": "Seed 003 lists `personalization` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "personalization",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/promotion.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/promotion.v1.json",
  "title": "pocm promotion payload, version 1",
  "description": "The `data` object of a pocm `promotion` event (seed 003 §3.11 PromotionEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "promotion",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "promotion_id",
    "promotion_type",
    "action",
    "discount_amount",
    "minimum_order_value",
    "promotion_channel",
    "campaign_id"
  ],
  "properties": {
    "promotion_id": {
      "type": "string"
    },
    "promotion_type": {
      "type": "string",
      "enum": [
        "discount",
        "bogo",
        "free_delivery",
        "cashback",
        "loyalty_points"
      ]
    },
    "action": {
      "type": "string",
      "enum": [
        "viewed",
        "clicked",
        "applied",
        "removed",
        "expired"
      ]
    },
    "discount_amount": {
      "$ref": "#/$defs/Money"
    },
    "discount_percentage": {
      "type": "number",
      "minimum": 0,
      "maximum": 100
    },
    "minimum_order_value": {
      "$ref": "#/$defs/Money"
    },
    "promotion_channel": {
      "type": "string",
      "enum": [
        "email",
        "website_banner",
        "app_notification",
        "social_media",
        "affiliate"
      ]
    },
    "campaign_id": {
      "type": "string"
    }
  },
  "additionalProperties": true,
  "$defs": {
    "Money": {
      "type": "object",
      "description": "seed 003 §1.1",
      "required": [
        "amount",
        "currency"
      ],
      "properties": {
        "amount": {
          "type": "number",
          "minimum": 0
        },
        "currency": {
          "type": "string",
          "format": "iso4217"
        }
      }
    }
  }
}
"""####),
        ("pocm/provider_onboarding.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/provider_onboarding.v1.json",
  "title": "pocm provider_onboarding payload, version 1",
  "description": "Seed 003 lists `provider_onboarding` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "provider_onboarding",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/quality_control.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/quality_control.v1.json",
  "title": "pocm quality_control payload, version 1",
  "description": "Seed 003 lists `quality_control` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "quality_control",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/recall.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/recall.v1.json",
  "title": "pocm recall payload, version 1",
  "description": "Seed 003 lists `recall` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "recall",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/recommendation.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/recommendation.v1.json",
  "title": "pocm recommendation payload, version 1",
  "description": "The `data` object of a pocm `recommendation` event (seed 003 §3.10 RecommendationEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "recommendation",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "recommendation_type",
    "algorithm",
    "recommended_items",
    "context",
    "clicked",
    "converted",
    "model_version"
  ],
  "properties": {
    "recommendation_type": {
      "type": "string",
      "enum": [
        "product",
        "category",
        "brand",
        "similar_users",
        "trending",
        "personalized"
      ]
    },
    "algorithm": {
      "type": "string",
      "enum": [
        "collaborative_filtering",
        "content_based",
        "hybrid",
        "ml_model",
        "rule_based"
      ]
    },
    "recommended_items": {
      "type": "array",
      "items": {
        "type": "object",
        "required": [
          "item_id",
          "item_type",
          "score",
          "position"
        ],
        "properties": {
          "item_id": {
            "type": "string"
          },
          "item_type": {
            "type": "string"
          },
          "score": {
            "type": "number"
          },
          "position": {
            "type": "integer"
          }
        }
      }
    },
    "context": {
      "type": "string",
      "enum": [
        "homepage",
        "product_page",
        "cart",
        "checkout",
        "email",
        "search_results"
      ]
    },
    "clicked": {
      "type": "boolean"
    },
    "clicked_item_id": {
      "type": "string"
    },
    "converted": {
      "type": "boolean"
    },
    "model_version": {
      "type": "string"
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/referral.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/referral.v1.json",
  "title": "pocm referral payload, version 1",
  "description": "The `data` object of a pocm `referral` event (seed 003 §3.19 ReferralEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "referral",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "referrer_id",
    "referral_code",
    "action",
    "reward_value"
  ],
  "properties": {
    "referrer_id": {
      "type": "string"
    },
    "referee_id": {
      "type": "string"
    },
    "referral_code": {
      "type": "string"
    },
    "action": {
      "type": "string",
      "enum": [
        "code_generated",
        "code_shared",
        "signup_via_referral",
        "first_purchase",
        "reward_earned"
      ]
    },
    "reward_type": {
      "type": "string",
      "enum": [
        "discount",
        "cashback",
        "points",
        "free_product"
      ]
    },
    "reward_value": {
      "$ref": "#/$defs/Money"
    },
    "sharing_channel": {
      "type": "string",
      "enum": [
        "email",
        "social_media",
        "direct_link",
        "sms"
      ]
    }
  },
  "additionalProperties": true,
  "$defs": {
    "Money": {
      "type": "object",
      "description": "seed 003 §1.1",
      "required": [
        "amount",
        "currency"
      ],
      "properties": {
        "amount": {
          "type": "number",
          "minimum": 0
        },
        "currency": {
          "type": "string",
          "format": "iso4217"
        }
      }
    }
  }
}
"""####),
        ("pocm/regulatory_report.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/regulatory_report.v1.json",
  "title": "pocm regulatory_report payload, version 1",
  "description": "Seed 003 lists `regulatory_report` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "regulatory_report",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/review.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/review.v1.json",
  "title": "pocm review payload, version 1",
  "description": "The `data` object of a pocm `review` event (seed 003 §3.15 ReviewEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "review",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "review_id",
    "product_id",
    "rating",
    "verified_purchase",
    "helpful_votes",
    "total_votes",
    "review_status"
  ],
  "properties": {
    "review_id": {
      "type": "string"
    },
    "product_id": {
      "type": "string"
    },
    "rating": {
      "type": "integer",
      "minimum": 1,
      "maximum": 5
    },
    "review_text": {
      "type": "string"
    },
    "verified_purchase": {
      "type": "boolean"
    },
    "helpful_votes": {
      "type": "integer",
      "minimum": 0
    },
    "total_votes": {
      "type": "integer",
      "minimum": 0
    },
    "review_status": {
      "type": "string",
      "enum": [
        "pending",
        "approved",
        "rejected",
        "flagged"
      ]
    },
    "moderation_reason": {
      "type": "string"
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/search.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/search.v1.json",
  "title": "pocm search payload, version 1",
  "description": "The `data` object of a pocm `search` event (seed 003 §3.9 SearchEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "search",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "query",
    "filters_applied",
    "results_returned",
    "abandoned_search",
    "zero_result_flag",
    "search_duration",
    "suggestion_clicked",
    "converted_to_order",
    "search_type"
  ],
  "properties": {
    "query": {
      "type": "string"
    },
    "filters_applied": {
      "type": "array",
      "items": {
        "type": "object",
        "required": [
          "filter_type",
          "filter_value"
        ],
        "properties": {
          "filter_type": {
            "type": "string"
          },
          "filter_value": {
            "type": "string"
          }
        }
      }
    },
    "results_returned": {
      "type": "integer",
      "minimum": 0
    },
    "top_clicked_product": {
      "type": "string"
    },
    "click_position": {
      "type": "integer",
      "minimum": 1
    },
    "abandoned_search": {
      "type": "boolean"
    },
    "category_clicked": {
      "type": "string"
    },
    "zero_result_flag": {
      "type": "boolean"
    },
    "search_duration": {
      "type": "string",
      "format": "duration"
    },
    "suggestion_clicked": {
      "type": "boolean"
    },
    "converted_to_order": {
      "type": "boolean"
    },
    "search_type": {
      "type": "string",
      "enum": [
        "text",
        "voice",
        "image",
        "barcode"
      ]
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/sensor_reading.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/sensor_reading.v1.json",
  "title": "pocm sensor_reading payload, version 1",
  "description": "The `data` object of a pocm `sensor_reading` event (seed 003 §3.23 SensorReadingEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "sensor_reading",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "device_id",
    "sensor_type",
    "reading_value",
    "unit_of_measurement",
    "timestamp",
    "reading_quality",
    "calibration_status"
  ],
  "properties": {
    "device_id": {
      "type": "string"
    },
    "sensor_type": {
      "type": "string",
      "enum": [
        "glucose",
        "insulin_level",
        "ph",
        "temperature",
        "pressure",
        "flow_rate",
        "biomarker"
      ]
    },
    "reading_value": {
      "type": "number"
    },
    "unit_of_measurement": {
      "type": "string"
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "reading_quality": {
      "type": "string",
      "enum": [
        "high",
        "medium",
        "low",
        "error"
      ]
    },
    "calibration_status": {
      "type": "string",
      "enum": [
        "calibrated",
        "needs_calibration",
        "calibration_expired"
      ]
    },
    "baseline_deviation": {
      "type": "number"
    },
    "trend_direction": {
      "type": "string",
      "enum": [
        "rising",
        "falling",
        "stable",
        "fluctuating"
      ]
    },
    "alert_triggered": {
      "type": "boolean"
    },
    "clinical_significance": {
      "type": "string",
      "enum": [
        "normal",
        "attention_needed",
        "critical",
        "emergency"
      ]
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/sterilization.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/sterilization.v1.json",
  "title": "pocm sterilization payload, version 1",
  "description": "Seed 003 lists `sterilization` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "sterilization",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/subscription.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/subscription.v1.json",
  "title": "pocm subscription payload, version 1",
  "description": "The `data` object of a pocm `subscription` event (seed 003 §3.13 SubscriptionEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "subscription",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "subscription_id",
    "action",
    "plan_id",
    "billing_cycle",
    "subscription_value",
    "trial_period",
    "auto_renewal"
  ],
  "properties": {
    "subscription_id": {
      "type": "string"
    },
    "action": {
      "type": "string",
      "enum": [
        "created",
        "renewed",
        "cancelled",
        "paused",
        "resumed",
        "upgraded",
        "downgraded"
      ]
    },
    "plan_id": {
      "type": "string"
    },
    "billing_cycle": {
      "type": "string",
      "enum": [
        "monthly",
        "quarterly",
        "yearly"
      ]
    },
    "subscription_value": {
      "$ref": "#/$defs/Money"
    },
    "trial_period": {
      "type": "boolean"
    },
    "auto_renewal": {
      "type": "boolean"
    },
    "cancellation_reason": {
      "type": "string",
      "enum": [
        "price",
        "features",
        "competition",
        "service_quality",
        "other"
      ]
    }
  },
  "additionalProperties": true,
  "$defs": {
    "Money": {
      "type": "object",
      "description": "seed 003 §1.1",
      "required": [
        "amount",
        "currency"
      ],
      "properties": {
        "amount": {
          "type": "number",
          "minimum": 0
        },
        "currency": {
          "type": "string",
          "format": "iso4217"
        }
      }
    }
  }
}
"""####),
        ("pocm/support.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/support.v1.json",
  "title": "pocm support payload, version 1",
  "description": "The `data` object of a pocm `support` event (seed 003 §3.14 SupportEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "support",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "ticket_id",
    "action",
    "category",
    "priority",
    "channel"
  ],
  "properties": {
    "ticket_id": {
      "type": "string"
    },
    "action": {
      "type": "string",
      "enum": [
        "created",
        "updated",
        "resolved",
        "closed",
        "escalated",
        "reopened"
      ]
    },
    "category": {
      "type": "string",
      "enum": [
        "technical",
        "billing",
        "product",
        "delivery",
        "account",
        "general"
      ]
    },
    "priority": {
      "type": "string",
      "enum": [
        "low",
        "medium",
        "high",
        "urgent"
      ]
    },
    "channel": {
      "type": "string",
      "enum": [
        "email",
        "chat",
        "phone",
        "ticket_system",
        "social_media"
      ]
    },
    "agent_id": {
      "type": "string"
    },
    "resolution_duration": {
      "type": "string",
      "format": "duration"
    },
    "satisfaction_rating": {
      "type": "integer",
      "minimum": 1,
      "maximum": 5
    }
  },
  "additionalProperties": true
}
"""####),
        ("pocm/training_completion.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/training_completion.v1.json",
  "title": "pocm training_completion payload, version 1",
  "description": "Seed 003 lists `training_completion` as an EventType without a payload schema: any JSON object is accepted (open).",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "training_completion",
  "x-sluice-version": 1,
  "x-sluice-open": true,
  "type": "object",
  "additionalProperties": true
}
"""####),
        ("pocm/user.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/user.v1.json",
  "title": "pocm user payload, version 1",
  "description": "The `data` object of a pocm `user` event (seed 003 §3.6 UserEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "user",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "action",
    "user_type",
    "login_method",
    "login_count",
    "last_active",
    "email_verified",
    "mobile_verified",
    "avg_session_duration"
  ],
  "properties": {
    "action": {
      "type": "string",
      "enum": [
        "signup",
        "login",
        "logout",
        "profile_update",
        "password_change",
        "email_verification",
        "phone_verification",
        "account_deletion"
      ]
    },
    "user_type": {
      "type": "string",
      "enum": [
        "guest",
        "registered",
        "premium",
        "business"
      ]
    },
    "login_method": {
      "type": "string",
      "enum": [
        "email_password",
        "social_google",
        "social_facebook",
        "phone_otp",
        "aadhaar_otp",
        "sso"
      ]
    },
    "login_count": {
      "type": "integer",
      "minimum": 0
    },
    "last_active": {
      "type": "string",
      "format": "date-time"
    },
    "email_verified": {
      "type": "boolean"
    },
    "mobile_verified": {
      "type": "boolean"
    },
    "referral_code": {
      "type": "string"
    },
    "avg_session_duration": {
      "type": "string",
      "format": "duration"
    },
    "device": {
      "$ref": "#/$defs/Device"
    },
    "geo": {
      "$ref": "#/$defs/Geo"
    }
  },
  "additionalProperties": true,
  "$defs": {
    "Device": {
      "type": "object",
      "description": "seed 003 §1.3",
      "required": [
        "platform",
        "user_agent",
        "screen_resolution"
      ],
      "properties": {
        "platform": {
          "type": "string",
          "enum": [
            "web",
            "mobile_app",
            "tablet",
            "desktop"
          ]
        },
        "user_agent": {
          "type": "string"
        },
        "screen_resolution": {
          "type": "string",
          "examples": [
            "1920x1080"
          ]
        }
      }
    },
    "Geo": {
      "type": "object",
      "description": "seed 003 §1.2",
      "required": [
        "country",
        "region",
        "city"
      ],
      "properties": {
        "country": {
          "type": "string",
          "format": "iso3166-alpha2"
        },
        "region": {
          "type": "string"
        },
        "city": {
          "type": "string"
        }
      }
    }
  }
}
"""####),
        ("pocm/wishlist.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/pocm/wishlist.v1.json",
  "title": "pocm wishlist payload, version 1",
  "description": "The `data` object of a pocm `wishlist` event (seed 003 §3.16 WishlistEvent). Extra fields are allowed and stored.",
  "x-sluice-contract": "pocm",
  "x-sluice-type": "wishlist",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "wishlist_id",
    "action",
    "product_id",
    "wishlist_size",
    "privacy_setting"
  ],
  "properties": {
    "wishlist_id": {
      "type": "string"
    },
    "action": {
      "type": "string",
      "enum": [
        "item_added",
        "item_removed",
        "wishlist_shared",
        "item_moved_to_cart"
      ]
    },
    "product_id": {
      "type": "string"
    },
    "wishlist_size": {
      "type": "integer",
      "minimum": 0
    },
    "shared_with": {
      "type": "array",
      "items": {
        "type": "string"
      }
    },
    "privacy_setting": {
      "type": "string",
      "enum": [
        "private",
        "public",
        "friends_only"
      ]
    }
  },
  "additionalProperties": true
}
"""####),
        ("recs/add_to_cart.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/recs/add_to_cart.v1.json",
  "title": "recs add_to_cart, version 1",
  "description": "Seed 004 common fields plus `add_to_cart`. Needs userId or anonId.",
  "x-sluice-contract": "recs",
  "x-sluice-type": "add_to_cart",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "eventId",
    "eventType",
    "timestamp",
    "metadata",
    "productId"
  ],
  "properties": {
    "eventId": {
      "type": "string",
      "format": "uuid"
    },
    "userId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "present for logged-in users"
    },
    "anonId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "anonymous/session id when userId is absent"
    },
    "eventType": {
      "const": "add_to_cart"
    },
    "productIds": {
      "type": "array",
      "items": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255
      }
    },
    "orderId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "metadata": {
      "type": "object",
      "properties": {
        "quantity": {
          "type": "integer",
          "minimum": 1
        },
        "schemaVersion": {
          "type": "integer",
          "minimum": 1
        }
      },
      "additionalProperties": true,
      "description": "free-form enrichment; metadata.schemaVersion picks the schema version"
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "productId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    }
  },
  "anyOf": [
    {
      "required": [
        "userId"
      ]
    },
    {
      "required": [
        "anonId"
      ]
    }
  ],
  "additionalProperties": true
}
"""####),
        ("recs/click.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/recs/click.v1.json",
  "title": "recs click, version 1",
  "description": "Seed 004 common fields plus `click`. Needs userId or anonId.",
  "x-sluice-contract": "recs",
  "x-sluice-type": "click",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "eventId",
    "eventType",
    "timestamp",
    "metadata",
    "productId"
  ],
  "properties": {
    "eventId": {
      "type": "string",
      "format": "uuid"
    },
    "userId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "present for logged-in users"
    },
    "anonId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "anonymous/session id when userId is absent"
    },
    "eventType": {
      "const": "click"
    },
    "productIds": {
      "type": "array",
      "items": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255
      }
    },
    "orderId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "metadata": {
      "type": "object",
      "properties": {
        "position": {
          "type": "integer",
          "minimum": 1
        },
        "schemaVersion": {
          "type": "integer",
          "minimum": 1
        }
      },
      "additionalProperties": true,
      "description": "free-form enrichment; metadata.schemaVersion picks the schema version"
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "productId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    }
  },
  "anyOf": [
    {
      "required": [
        "userId"
      ]
    },
    {
      "required": [
        "anonId"
      ]
    }
  ],
  "additionalProperties": true
}
"""####),
        ("recs/purchase.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/recs/purchase.v1.json",
  "title": "recs purchase, version 1",
  "description": "Seed 004 common fields plus `purchase`. Needs userId or anonId.",
  "x-sluice-contract": "recs",
  "x-sluice-type": "purchase",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "eventId",
    "eventType",
    "timestamp",
    "metadata",
    "productIds"
  ],
  "properties": {
    "eventId": {
      "type": "string",
      "format": "uuid"
    },
    "userId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "present for logged-in users"
    },
    "anonId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "anonymous/session id when userId is absent"
    },
    "eventType": {
      "const": "purchase"
    },
    "productId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "orderId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "metadata": {
      "type": "object",
      "properties": {
        "total": {
          "type": "number",
          "minimum": 0
        },
        "schemaVersion": {
          "type": "integer",
          "minimum": 1
        }
      },
      "additionalProperties": true,
      "description": "free-form enrichment; metadata.schemaVersion picks the schema version"
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "productIds": {
      "type": "array",
      "items": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255
      },
      "minItems": 1
    }
  },
  "anyOf": [
    {
      "required": [
        "userId"
      ]
    },
    {
      "required": [
        "anonId"
      ]
    }
  ],
  "additionalProperties": true
}
"""####),
        ("recs/search.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/recs/search.v1.json",
  "title": "recs search, version 1",
  "description": "Seed 004 common fields plus `search`. Needs userId or anonId.",
  "x-sluice-contract": "recs",
  "x-sluice-type": "search",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "eventId",
    "eventType",
    "timestamp",
    "metadata"
  ],
  "properties": {
    "eventId": {
      "type": "string",
      "format": "uuid"
    },
    "userId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "present for logged-in users"
    },
    "anonId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "anonymous/session id when userId is absent"
    },
    "eventType": {
      "const": "search"
    },
    "productId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "productIds": {
      "type": "array",
      "items": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255
      }
    },
    "orderId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "metadata": {
      "type": "object",
      "required": [
        "query"
      ],
      "properties": {
        "query": {
          "type": "string"
        },
        "schemaVersion": {
          "type": "integer",
          "minimum": 1
        }
      },
      "additionalProperties": true,
      "description": "free-form enrichment; metadata.schemaVersion picks the schema version"
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    }
  },
  "anyOf": [
    {
      "required": [
        "userId"
      ]
    },
    {
      "required": [
        "anonId"
      ]
    }
  ],
  "additionalProperties": true
}
"""####),
        ("recs/view.v1.json", ####"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sluice.dev/schemas/recs/view.v1.json",
  "title": "recs view, version 1",
  "description": "Seed 004 common fields plus `view`. Needs userId or anonId.",
  "x-sluice-contract": "recs",
  "x-sluice-type": "view",
  "x-sluice-version": 1,
  "type": "object",
  "required": [
    "eventId",
    "eventType",
    "timestamp",
    "metadata",
    "productId"
  ],
  "properties": {
    "eventId": {
      "type": "string",
      "format": "uuid"
    },
    "userId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "present for logged-in users"
    },
    "anonId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255,
      "description": "anonymous/session id when userId is absent"
    },
    "eventType": {
      "const": "view"
    },
    "productIds": {
      "type": "array",
      "items": {
        "type": "string",
        "minLength": 1,
        "maxLength": 255
      }
    },
    "orderId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "timestamp": {
      "type": "string",
      "format": "date-time"
    },
    "metadata": {
      "type": "object",
      "properties": {
        "referrer": {
          "type": "string"
        },
        "device": {
          "type": "string"
        },
        "schemaVersion": {
          "type": "integer",
          "minimum": 1
        }
      },
      "additionalProperties": true,
      "description": "free-form enrichment; metadata.schemaVersion picks the schema version"
    },
    "tenant_id": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    },
    "productId": {
      "type": "string",
      "minLength": 1,
      "maxLength": 255
    }
  },
  "anyOf": [
    {
      "required": [
        "userId"
      ]
    },
    {
      "required": [
        "anonId"
      ]
    }
  ],
  "additionalProperties": true
}
"""####),
    ]
}
