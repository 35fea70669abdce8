// The four partner contracts: ingestion-api (seed 000), growthos (seed 001), platform (seed 002) and
// recs (seed 004). Every type of each appears; event ids are unique per (seed, line).

extension EventGenerator {
    // MARK: ingestion-api

    private static let ingestionTypes: [StaticString] = ["user_profile_update", "event_details_update", "sales_transaction", "user_engagement", "event_attendance"]
    private static let firstNames: [StaticString] = ["Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Sara", "Karthik", "Meera", "John", "Emily"]
    private static let lastNames: [StaticString] = ["Sharma", "Iyer", "Patel", "Reddy", "Nair", "Gupta", "Khan", "Smith", "Fernandes"]
    private static let companies: [StaticString] = ["Acme Corp", "Globex India", "Initech", "Umbrella Health", "Stark Retail"]
    private static let eventTitles: [StaticString] = ["Growth Summit 2024", "Data Engineering Meetup", "Product Leaders Forum", "AI in Retail Webinar", "Founders Breakfast"]

    func writeIngestionAPI(_ b: inout JSONLineBuilder, _ context: LineContext) {
        let type = b.rng.below(Self.ingestionTypes.count)
        let occurred = occurredAt(&b)
        b.openObject()
        switch context.defect {
        case .badEnumValue?: b.string("event_type", "user_signup")
        case .missingRequiredField?: break
        case .wrongType?, .truncatedJSON?, nil: b.string("event_type", Self.ingestionTypes[type])
        }
        uniqueUUID("event_id", &b, context)
        writeTimestamp("timestamp", occurred, &b, context)
        if b.rng.chance(50) { b.pick("producer", ["hubspot-sync", "eventbrite-bridge", "partner-api"]) }
        if b.rng.chance(30) { b.int("schema_version", 1) }
        b.openObject("payload")
        switch type {
        case 0:
            b.identifier("userId", "u_", b.rng.below(200_000), width: 6)
            b.key("email")
            b.raw("\"")
            b.raw(b.pickValue(["aarav", "priya", "rohan", "ananya", "vikram", "sara"]))
            b.digits(b.rng.below(10_000), width: 0)
            b.raw("@example.com\"")
            b.comma()
            b.pick("firstName", Self.firstNames)
            b.pick("lastName", Self.lastNames)
            b.pick("role", ["Marketing Manager", "Data Analyst", "Founder", "Engineering Lead", "Student"])
            b.pick("company", Self.companies)
            b.timestamp("lastSeenAt", occurred)
            b.openObject("customAttributes")
            b.pick("plan", ["free", "pro", "enterprise"])
            b.int("seats", in: 1...250)
            b.pick("industry", ["retail", "healthcare", "saas", "education"])
            b.closeObject()
        case 1:
            b.identifier("eventId", "evt_", b.rng.below(20_000), width: 5)
            b.pick("eventName", Self.eventTitles)
            let start = occurred + Int64(b.rng.int(in: 1...60)) * 86_400_000_000
            b.timestamp("startAt", start)
            b.timestamp("endAt", start + Int64(b.rng.int(in: 1...8)) * 3_600_000_000)
            b.pick("location", ["Bengaluru International Exhibition Centre", "Online", "Taj Lands End, Mumbai", "Hyderabad HICC"])
            b.int("capacity", in: 50...5_000)
            b.pick("category", ["conference", "webinar", "meetup", "workshop"])
        case 2:
            b.hexIdentifier("transactionId", "txn_", count: 16)
            b.identifier("userId", "u_", b.rng.below(200_000), width: 6)
            b.identifier("eventId", "evt_", b.rng.below(20_000), width: 5)
            b.pick("productId", ["ticket-general-admission", "ticket-vip", "ticket-early-bird", "workshop-pass"])
            b.decimal("value", in: 999...49_999, scale: 2)
            b.pick("currency", ["USD", "INR", "EUR", "GBP"])
            b.int("quantity", in: 1...4)
            b.timestamp("transactionAt", occurred)
        case 3:
            b.identifier("userId", "u_", b.rng.below(200_000), width: 6)
            b.pick("engagementType", ["page_view", "video_watch", "session_join", "poll_answer", "download"])
            b.identifier("resourceId", "res_", b.rng.below(5_000), width: 4)
            b.identifier("eventId", "evt_", b.rng.below(20_000), width: 5)
            b.timestamp("engagementAt", occurred)
            b.int("duration", in: 5...3_600)
            b.openObject("metadata")
            b.pick("device", ["desktop", "mobile", "tablet"])
            b.pick("browser", ["Chrome", "Safari", "Firefox", "Edge"])
            b.closeObject()
        default:
            b.identifier("eventId", "evt_", b.rng.below(20_000), width: 5)
            let registered = b.rng.int(in: 50...2_000)
            let actual = registered * b.rng.int(in: 40...100) / 100
            b.int("actualAttendees", actual)
            b.int("registeredAttendees", registered)
            b.decimal("attendanceRate", actual * 1_000 / registered, scale: 3)
            b.timestamp("recordedAt", occurred)
            b.openObject("demographicBreakdown")
            b.int("18-24", in: 0...200)
            b.int("25-34", in: 0...600)
            b.int("35-44", in: 0...400)
            b.int("45+", in: 0...200)
            b.closeObject()
        }
        b.closeObject()
        b.closeObject()
    }

    // MARK: growthos

    private static let growthEventNames: [StaticString] = ["Page Viewed", "Dashboard Viewed", "Button Clicked", "Signup Completed",
                                                           "Plan Upgraded", "Feature Used", "Invite Sent", "Checkout Completed", "Experiment Viewed"]
    private static let pages: [StaticString] = ["page_dashboard_home", "page_pricing", "page_checkout", "page_settings_billing", "page_onboarding_step2"]

    func writeGrowthOS(_ b: inout JSONLineBuilder, _ context: LineContext) {
        let occurred = occurredAt(&b)
        // Product ingestion (seed 001's "product-specific rule") for about one line in eight, but a
        // broken line is always behavioural so its defect concerns the rules it breaks.
        let productIngestion = context.defect == nil && b.rng.chance(12)
        b.openObject()
        uniqueUUID("eventId", &b, context)
        if productIngestion {
            b.identifier("productId", "prod_", b.rng.below(100_000), width: 6)
            if b.rng.chance(50) { writeTimestamp("timestamp", occurred, &b, context) }
            b.openObject("data")
            b.pick("name", ["Wine", "Espresso Beans 1kg", "Running Shoes", "Noise-cancelling Headphones", "Yoga Mat"])
            b.int("amount", in: 100...25_000)
            b.int("quantity", in: 0...400)
            b.pick("category", ["beverages", "grocery", "footwear", "electronics", "sports"])
            b.closeObject()
            b.closeObject()
            return
        }
        let user = b.rng.below(200_000)
        if b.rng.chance(80) { b.identifier("profileId", "usr_", user, width: 6) }
        if context.defect == .missingRequiredField {
            // neither profileId nor userId below, and no sessionId: two required rules broken
        } else {
            b.identifier("userId", "user_", user, width: 6)
            b.hexIdentifier("sessionId", "sess_", count: 12)
        }
        if b.rng.chance(60) { b.hexIdentifier("accountId", "acc_", count: 11) }
        b.pick("pageId", Self.pages)
        if context.defect == .badEnumValue {
            b.string("eventName", "Dashboard Viewed From The Legacy Navigation Sidebar After Upgrade Prompt Dismissed")
        } else {
            b.pick("eventName", Self.growthEventNames)
        }
        writeTimestamp("timestamp", occurred, &b, context)
        b.openObject("attributes")
        b.pick("plan", ["free", "starter", "pro", "enterprise"])
        b.int("seats", in: 1...500)
        b.pick("utm_source", ["google", "newsletter", "linkedin", "direct"])
        b.closeObject()
        b.closeObject()
    }

    // MARK: platform

    private static let platformEvents: [StaticString] = [
        "user_signed_up", "user_logged_in", "profile_updated", "interest_selected", "event_viewed", "event_card_clicked",
        "search_performed", "rsvp_clicked", "rsvp_confirmed", "add_to_calendar_clicked", "ticket_selected", "checkout_initiated",
        "ticket_purchased", "event_created", "event_updated", "ai_content_generated", "promotional_content_generated",
        "recommendation_feedback_provided",
    ]

    func writePlatform(_ b: inout JSONLineBuilder, _ context: LineContext) {
        let name = b.rng.below(Self.platformEvents.count)
        let occurred = occurredAt(&b)
        b.openObject()
        if context.defect != .missingRequiredField { uniqueUUID("event_id", &b, context) }
        writeTimestamp("timestamp", occurred, &b, context)
        if b.rng.chance(50) { b.uuid("user_id") } else { b.int("user_id", 100_000 + b.rng.below(900_000)) }
        b.uuid("session_id")
        b.pick("device_type", ["web", "ios", "android"])
        b.pick("platform", ["Chrome 124 / macOS", "Safari 17 / iOS", "Android 14 / app 5.2.0", "Edge 124 / Windows"])
        b.key("ip_address")
        b.raw("\"203.0.113.")
        b.digits(b.rng.below(255), width: 0)
        b.raw("\"")
        b.comma()
        if context.defect == .badEnumValue {
            b.string("event_name", "event_shared")
        } else {
            b.string("event_name", Self.platformEvents[name])
        }
        b.pick("page_url", ["https://events.example.com/e/12345", "https://events.example.com/discover", "https://events.example.com/checkout"])
        if b.rng.chance(50) { b.pick("referrer_url", ["https://www.google.com/", "https://www.linkedin.com/", "https://t.co/"]) }
        switch name {
        case 0: b.pick("signup_method", ["email", "google", "linkedin"])
        case 1: b.pick("login_method", ["password", "google", "magic_link"])
        case 2:
            b.openArray("updated_fields")
            b.stringValue(b.pickValue(["bio", "job_title", "company", "city"]))
            b.closeArray()
        case 3: b.pick("interest_name", ["AI", "Product Management", "Startups", "Design", "Data Engineering"])
        case 4:
            targetEvent(&b)
            b.pick("source", ["personalized_feed", "search", "email", "trending"])
        case 5:
            targetEvent(&b)
            b.int("position_in_feed", in: 0...40)
        case 6:
            b.pick("search_query", ["ai meetup bengaluru", "product conference", "free webinar data", "design workshop"])
            b.int("search_results_count", in: 0...120)
        case 7: targetEvent(&b)
        case 8:
            targetEvent(&b)
            b.pick("rsvp_status", ["going", "interested", "waitlisted"])
        case 9:
            targetEvent(&b)
            b.pick("calendar_type", ["google", "outlook", "apple"])
        case 10:
            targetEvent(&b)
            b.pick("ticket_type", ["general", "vip", "early_bird"])
            b.int("quantity", in: 1...4)
        case 11:
            targetEvent(&b)
            b.decimal("total_amount", in: 0...49_900, scale: 2)
        case 12:
            targetEvent(&b)
            b.hexIdentifier("ticket_id", "tkt_", count: 12)
            b.decimal("amount", in: 499...49_900, scale: 2)
            b.pick("currency", ["USD", "INR", "EUR"])
            b.pick("payment_method", ["card", "upi", "paypal"])
        case 13:
            organizer(&b)
            targetEvent(&b)
            b.pick("event_category", ["tech", "business", "design", "health"])
            b.bool("is_paid", percent: 40)
        case 14:
            organizer(&b)
            targetEvent(&b)
            b.openArray("updated_fields")
            b.stringValue(b.pickValue(["start_time", "venue", "description", "capacity"]))
            b.closeArray()
        case 15:
            organizer(&b)
            targetEvent(&b)
            b.pick("content_type", ["event_description", "agenda", "speaker_bio"])
            b.pick("ai_model_used", ["gpt-4o", "claude-3-5-sonnet", "llama-3-70b"])
        case 16:
            organizer(&b)
            targetEvent(&b)
            b.pick("channel", ["email", "linkedin", "instagram", "x"])
            b.pick("ai_model_used", ["gpt-4o", "claude-3-5-sonnet", "llama-3-70b"])
        default:
            targetEvent(&b)
            b.pick("feedback_type", ["thumbs_up", "thumbs_down", "not_interested"])
        }
        b.closeObject()
    }

    private func targetEvent(_ b: inout JSONLineBuilder) {
        b.identifier("target_event_id", "evt_", b.rng.below(20_000), width: 5)
    }

    private func organizer(_ b: inout JSONLineBuilder) {
        b.identifier("organizer_id", "org_", b.rng.below(3_000), width: 4)
    }

    // MARK: recs

    private static let recsTypes: [StaticString] = ["view", "click", "add_to_cart", "purchase", "search"]

    func writeRecs(_ b: inout JSONLineBuilder, _ context: LineContext) {
        // Funnel-shaped: views dominate, purchases are rare.
        let type = [0, 0, 0, 0, 1, 1, 2, 3, 4, 4][b.rng.below(10)]
        let occurred = occurredAt(&b)
        b.openObject()
        if context.defect != .missingRequiredField { uniqueUUID("eventId", &b, context) }
        if context.defect == .badEnumValue {
            b.string("eventType", "wishlist")
        } else {
            b.string("eventType", Self.recsTypes[type])
        }
        writeTimestamp("timestamp", occurred, &b, context)
        if b.rng.chance(70) { b.identifier("userId", "user_", b.rng.below(200_000), width: 6) }
        b.hexIdentifier("anonId", "anon_", count: 12)
        switch type {
        case 3:
            b.identifier("orderId", "order_", b.rng.below(900_000), width: 6)
            b.openArray("productIds")
            for _ in 0..<b.rng.int(in: 1...4) { b.identifierValue("sku_", b.rng.below(50_000), width: 5) }
            b.closeArray()
        case 4:
            break
        default:
            b.identifier("productId", "sku_", b.rng.below(50_000), width: 5)
        }
        b.openObject("metadata")
        b.int("schemaVersion", 1)
        switch type {
        case 0:
            b.pick("referrer", ["category_page", "search_results", "homepage", "email"])
            b.pick("device", ["mobile", "desktop", "tablet"])
        case 1:
            b.int("position", in: 1...24)
            b.pick("placement", ["homepage_carousel", "pdp_similar", "cart_upsell"])
        case 2:
            b.int("quantity", in: 1...3)
        case 3:
            b.decimal("total", in: 499...99_999, scale: 2)
            b.pick("currency", ["USD", "INR"])
        default:
            b.pick("query", ["wireless earbuds", "running shoes", "coffee grinder", "yoga mat", "desk lamp"])
            b.int("results", in: 0...200)
        }
        b.closeObject()
        b.closeObject()
    }
}
