import Postgres
// pocm (seed 003): the IngestEnvelope with all 45 types, weighted like a commerce site's traffic
// (cart, search, user, checkout, payment dominate), plus the medical-device and operations types.

extension EventGenerator {
    /// One pocm type: its name, how often it occurs (relative), the service that emits it, and
    /// whether producers attach an order id.
    private struct PocmType {
        let kind: PocmKind
        let weight: Int
        let service: StaticString
        let hasOrder: Bool
    }

    // Weights sum to whatever; the pick table below spreads them over 1024 slots.
    private static let pocmTypes: [PocmType] = [
        PocmType(kind: .cart, weight: 140, service: "cart-service", hasOrder: false),
        PocmType(kind: .search, weight: 120, service: "search-service", hasOrder: false),
        PocmType(kind: .user, weight: 90, service: "identity-service", hasOrder: false),
        PocmType(kind: .checkout, weight: 80, service: "checkout-service", hasOrder: true),
        PocmType(kind: .payment, weight: 80, service: "payment-service", hasOrder: true),
        PocmType(kind: .recommendation, weight: 50, service: "reco-service", hasOrder: false),
        PocmType(kind: .notification, weight: 40, service: "notification-service", hasOrder: true),
        PocmType(kind: .logistics, weight: 35, service: "fulfilment-service", hasOrder: true),
        PocmType(kind: .inventory, weight: 30, service: "inventory-service", hasOrder: false),
        PocmType(kind: .wishlist, weight: 30, service: "wishlist-service", hasOrder: false),
        PocmType(kind: .review, weight: 25, service: "review-service", hasOrder: true),
        PocmType(kind: .promotion, weight: 25, service: "promotion-service", hasOrder: false),
        PocmType(kind: .feedback, weight: 15, service: "feedback-service", hasOrder: false),
        PocmType(kind: .support, weight: 15, service: "support-service", hasOrder: true),
        PocmType(kind: .subscription, weight: 15, service: "billing-service", hasOrder: false),
        PocmType(kind: .comparison, weight: 15, service: "catalog-service", hasOrder: false),
        PocmType(kind: .abandonment, weight: 15, service: "cart-service", hasOrder: false),
        PocmType(kind: .loyalty, weight: 12, service: "loyalty-service", hasOrder: true),
        PocmType(kind: .referral, weight: 8, service: "growth-service", hasOrder: false),
        PocmType(kind: .affiliate, weight: 8, service: "affiliate-service", hasOrder: true),
        PocmType(kind: .deviceActivation, weight: 8, service: "device-service", hasOrder: false),
        PocmType(kind: .patchApplication, weight: 8, service: "device-service", hasOrder: false),
        PocmType(kind: .sensorReading, weight: 16, service: "telemetry-service", hasOrder: false),
        PocmType(kind: .dosageDelivery, weight: 8, service: "telemetry-service", hasOrder: false),
        PocmType(kind: .adverseEvent, weight: 4, service: "pharmacovigilance", hasOrder: false),
        PocmType(kind: .efficacyMeasurement, weight: 4, service: "clinical-service", hasOrder: false),
        PocmType(kind: .patientOutcome, weight: 4, service: "clinical-service", hasOrder: false),
        PocmType(kind: .clinicalData, weight: 4, service: "clinical-service", hasOrder: false),
        PocmType(kind: .regulatoryReport, weight: 3, service: "compliance-service", hasOrder: false),
        PocmType(kind: .batchProduction, weight: 4, service: "manufacturing-mes", hasOrder: false),
        PocmType(kind: .qualityControl, weight: 4, service: "manufacturing-mes", hasOrder: false),
        PocmType(kind: .sterilization, weight: 3, service: "manufacturing-mes", hasOrder: false),
        PocmType(kind: .packaging, weight: 3, service: "manufacturing-mes", hasOrder: false),
        PocmType(kind: .distribution, weight: 4, service: "supply-chain", hasOrder: true),
        PocmType(kind: .recall, weight: 2, service: "compliance-service", hasOrder: false),
        PocmType(kind: .providerOnboarding, weight: 3, service: "provider-portal", hasOrder: false),
        PocmType(kind: .bulkOrder, weight: 4, service: "b2b-orders", hasOrder: true),
        PocmType(kind: .trainingCompletion, weight: 3, service: "provider-portal", hasOrder: false),
        PocmType(kind: .certification, weight: 2, service: "provider-portal", hasOrder: false),
        PocmType(kind: .auditTrail, weight: 5, service: "audit-service", hasOrder: false),
        PocmType(kind: .mlPrediction, weight: 6, service: "ml-platform", hasOrder: false),
        PocmType(kind: .anomalyDetection, weight: 4, service: "ml-platform", hasOrder: false),
        PocmType(kind: .cohortAnalysis, weight: 3, service: "analytics-jobs", hasOrder: false),
        PocmType(kind: .aBTest, weight: 6, service: "experimentation", hasOrder: false),
        PocmType(kind: .personalization, weight: 6, service: "reco-service", hasOrder: false),
    ]

    /// 1024 slots filled in proportion to the weights (every type gets at least one), so picking a
    /// type is one table load.
    private static let pocmPickTable: [UInt8] = {
        let total = pocmTypes.reduce(0) { $0 + $1.weight }
        var table: [UInt8] = []
        for (index, type) in pocmTypes.enumerated() {
            let slots = max(1, type.weight * 1_024 / total)
            table.append(contentsOf: repeatElement(UInt8(index), count: slots))
        }
        while table.count < 1_024 { table.append(0) } // rounding remainder goes to cart
        return Array(table.prefix(1_024))
    }()

    /// The 45 pocm type names, in the table's order (tests check the generator covers them all).
    public static var pocmTypeNames: [String] { pocmTypes.map(\.kind.rawValue) }

    private static let producers: [StaticString] = ["web-sdk", "android-sdk", "ios-sdk", "backend", "partner-api"]
    private static let deviceProducers: [StaticString] = ["patch-gateway", "companion-app", "clinic-portal"]

    func writePocm(_ b: inout JSONLineBuilder, _ context: LineContext) {
        let type = Self.pocmTypes[Int(Self.pocmPickTable[b.rng.below(1_024)])]
        let occurred = occurredAt(&b)
        let user = b.rng.below(250_000)
        b.openObject()
        if context.defect == .badEnumValue {
            b.string("type", "cart_updated") // close to a real type: the classic producer typo
        } else {
            b.key("type")
            b.stringValue(type.kind.rawValue)
        }
        writeTimestamp("occurred_at", occurred, &b, context)
        if context.defect != .missingRequiredField {
            let medical = type.kind.isMedicalDevice
            b.pick("producer", medical ? Self.deviceProducers : Self.producers)
        }
        b.string("source_service", type.service)
        b.identifier("user_id", "usr_", user, width: 6)
        if b.rng.chance(85) { b.hexIdentifier("session_id", "sess_", count: 16) }
        if type.hasOrder { b.identifier("order_id", "ORD-", 1_000_000 + b.rng.below(9_000_000)) }
        if b.rng.chance(70) { b.hexIdentifier("trace_id", "", count: 32) }
        // Unique per (seed, line), and readable when a demo shows a duplicate or a dead letter.
        b.key("idempotency_key")
        b.bytes.append(UInt8(ascii: "\""))
        b.bytes.append(contentsOf: type.kind.rawValue.utf8)
        b.bytes.append(UInt8(ascii: ":"))
        b.digits(Int(truncatingIfNeeded: options.seed & 0xFFFF_FFFF), width: 0)
        b.bytes.append(UInt8(ascii: ":"))
        b.digits(context.index, width: 0)
        b.bytes.append(UInt8(ascii: "\""))
        b.comma()
        b.string("tenant_id", escaping: options.tenantId)
        if b.rng.chance(30) { b.int("schema_version", 1) }
        b.openObject("data")
        writePocmPayload(type.kind, occurred, &b)
        b.closeObject()
        b.closeObject()
    }

    // MARK: vocabulary

    private static let categories: [StaticString] = ["footwear", "apparel", "electronics", "home_kitchen", "beauty", "grocery", "books", "toys", "sports", "health_wellness"]
    private static let userAgents: [StaticString] = [
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
        "ShopApp/7.12.0 (Android 13; SM-A546E)",
    ]
    private static let resolutions: [StaticString] = ["1080x2400", "1170x2532", "1920x1080", "2560x1440", "1366x768", "820x1180"]
    private static let places: [(StaticString, StaticString, StaticString)] = [
        ("IN", "Karnataka", "Bengaluru"), ("IN", "Maharashtra", "Mumbai"), ("IN", "Delhi", "New Delhi"),
        ("IN", "Tamil Nadu", "Chennai"), ("IN", "Telangana", "Hyderabad"), ("IN", "West Bengal", "Kolkata"),
        ("IN", "Gujarat", "Ahmedabad"), ("US", "California", "San Jose"), ("GB", "England", "London"),
        ("SG", "Singapore", "Singapore"), ("AE", "Dubai", "Dubai"), ("DE", "Bavaria", "Munich"),
    ]
    private static let regions: [StaticString] = ["south", "west", "north", "east", "central", "north_east"]
    private static let paymentMethods: [StaticString] = ["credit_card", "debit_card", "upi", "upi", "upi", "paytm", "google_pay", "bank_transfer", "cash_on_delivery"]
    private static let queries: [StaticString] = [
        "running shoes for men", "wireless earbuds under 2000", "cotton kurta women", "air fryer 4l",
        "iphone 15 case", "protein powder chocolate", "kids lego set", "office chair ergonomic",
        "basmati rice 5kg", "smart watch amoled", "yoga mat", "led bulb 9w pack of 4", "sunscreen spf 50",
    ]
    private static let words: [StaticString] = ["Great quality, fits as expected.", "Delivery was quick and packaging was good.",
                                                "Not worth the price; stitching came loose after a week.", "Works fine but the app pairing is slow.",
                                                "Exactly like the pictures. Would buy again!", "Customer support resolved my issue in one call."]

    private func device(_ b: inout JSONLineBuilder) {
        b.openObject("device")
        b.pick("platform", ["web", "mobile_app", "mobile_app", "tablet", "desktop"])
        b.pick("user_agent", Self.userAgents)
        b.pick("screen_resolution", Self.resolutions)
        b.closeObject()
    }

    private func geo(_ b: inout JSONLineBuilder, _ key: StaticString = "geo") {
        let place = Self.places[b.rng.below(Self.places.count)]
        b.openObject(key)
        b.string("country", place.0)
        b.string("region", place.1)
        b.string("city", place.2)
        b.closeObject()
    }

    private func sku(_ b: inout JSONLineBuilder, _ key: StaticString) {
        b.identifier(key, "SKU-", 10_000 + b.rng.below(90_000))
    }

    private func deviceId(_ b: inout JSONLineBuilder, _ key: StaticString) {
        b.key(key)
        b.bytes.append(contentsOf: Array("\"NFLX_".utf8))
        b.upperAlnum(8)
        b.bytes.append(UInt8(ascii: "\""))
        b.comma()
    }

    private func batchNumber(_ b: inout JSONLineBuilder, _ key: StaticString, _ occurred: Int64) {
        let (year, month, day) = civilDate(daysSinceEpoch: occurred / 86_400_000_000 - Int64(30 + b.rng.below(300)))
        b.key(key)
        b.raw("\"BATCH_")
        b.digits(year, width: 4)
        b.digits(month, width: 2)
        b.digits(day, width: 2)
        b.raw("_")
        b.upperAlnum(3)
        b.raw("\"")
        b.comma()
    }

    // MARK: payloads

    // One case per type, fields as seed 003 names them; optional fields appear some of the time.
    // swiftlint:disable:next function_body_length cyclomatic_complexity
    private func writePocmPayload(_ type: PocmKind, _ occurred: Int64, _ b: inout JSONLineBuilder) {
        switch type {
        case .cart:
            b.identifier("cart_id", "cart_", b.rng.below(5_000_000))
            let action = b.pickValue(["item_added", "item_added", "item_added", "item_removed", "item_updated", "cart_viewed", "cart_cleared"])
            b.string("action", action)
            if action.matches("item_added") || b.rng.chance(30) {
                b.openArray("items_added")
                for _ in 0..<b.rng.int(in: 1...3) {
                    b.openObject()
                    sku(&b, "product_id")
                    b.int("quantity", in: 1...4)
                    b.decimal("price", in: 9_900...1_499_900, scale: 2)
                    b.pick("category", Self.categories)
                    b.closeObject()
                }
                b.closeArray()
            }
            b.money("cart_total", cents: 19_900...4_999_900)
            b.duration("cart_abandonment_duration", secondsIn: 0...7_200)
            if b.rng.chance(25) { b.pick("coupon_code", ["SAVE10", "FESTIVE20", "FIRSTBUY", "FREESHIP", "DIWALI25"]) }
            device(&b)
            geo(&b)
        case .search:
            b.pick("query", Self.queries)
            b.openArray("filters_applied")
            for _ in 0..<b.rng.below(3) {
                b.openObject()
                b.pick("filter_type", ["brand", "price", "rating", "size", "color", "discount"])
                b.pick("filter_value", ["acme", "1000-3000", "4+", "M", "black", "30%+"])
                b.closeObject()
            }
            b.closeArray()
            let results = b.rng.chance(8) ? 0 : b.rng.int(in: 1...480)
            b.int("results_returned", results)
            if results > 0, b.rng.chance(60) {
                sku(&b, "top_clicked_product")
                b.int("click_position", in: 1...20)
                b.pick("category_clicked", Self.categories)
            }
            b.bool("abandoned_search", percent: 20)
            b.bool("zero_result_flag", results == 0)
            b.duration("search_duration", secondsIn: 1...90)
            b.bool("suggestion_clicked", percent: 35)
            b.bool("converted_to_order", percent: 12)
            b.pick("search_type", ["text", "text", "text", "voice", "image", "barcode"])
            device(&b)
        case .user:
            b.pick("action", ["signup", "login", "login", "login", "logout", "profile_update", "password_change", "email_verification", "phone_verification", "account_deletion"])
            b.pick("user_type", ["guest", "registered", "registered", "premium", "business"])
            b.pick("login_method", ["email_password", "social_google", "social_facebook", "phone_otp", "phone_otp", "aadhaar_otp", "sso"])
            b.int("login_count", in: 0...900)
            b.timestamp("last_active", from: occurred - 30 * 86_400_000_000, to: occurred)
            b.bool("email_verified", percent: 80)
            b.bool("mobile_verified", percent: 70)
            if b.rng.chance(20) { b.hexIdentifier("referral_code", "REF", count: 6) }
            b.duration("avg_session_duration", secondsIn: 20...3_600)
            device(&b)
            geo(&b)
        case .checkout:
            b.identifier("cart_id", "cart_", b.rng.below(5_000_000))
            b.pick("checkout_status", ["started", "completed", "completed", "abandoned", "failed"])
            b.money("total_order_value", cents: 29_900...9_999_900)
            b.int("number_of_items", in: 1...12)
            b.decimal("applied_discounts", in: 0...50_000, scale: 2)
            b.pick("payment_method", Self.paymentMethods)
            b.pick("shipping_region", Self.regions)
            b.duration("checkout_duration", secondsIn: 15...1_200)
            b.hexIdentifier("session_id", "sess_", count: 16)
            geo(&b, "shipping_address")
        case .payment:
            b.hexIdentifier("transaction_id", "pay_", count: 14)
            b.pick("payment_gateway", ["razorpay", "razorpay", "payu", "ccavenue", "instamojo", "cashfree"])
            b.pick("payment_method", Self.paymentMethods)
            let failed = b.rng.chance(7)
            b.string("payment_status", failed ? "failed" : b.pickValue(["captured", "captured", "captured", "authorized", "pending", "refunded", "partially_refunded"]))
            if failed { b.pick("failure_reason", ["insufficient_funds", "bank_declined", "otp_timeout", "upi_collect_expired"]) }
            b.decimal("amount", in: 4_900...4_999_900, scale: 2)
            b.pick("currency", ["INR", "INR", "INR", "USD"])
            if b.rng.chance(10) { b.decimal("refund_amount", in: 0...99_900, scale: 2) }
            b.duration("confirmation_duration", secondsIn: 1...45)
            b.decimal("risk_score", in: 0...10_000, scale: 2)
            b.hexIdentifier("gateway_reference", "rzp_", count: 18)
        case .recommendation:
            b.pick("recommendation_type", ["product", "category", "brand", "similar_users", "trending", "personalized"])
            b.pick("algorithm", ["collaborative_filtering", "content_based", "hybrid", "ml_model", "rule_based"])
            b.openArray("recommended_items")
            for position in 1...b.rng.int(in: 2...4) {
                b.openObject()
                sku(&b, "item_id")
                b.string("item_type", "product")
                b.decimal("score", in: 100...999, scale: 3)
                b.int("position", position)
                b.closeObject()
            }
            b.closeArray()
            b.pick("context", ["homepage", "product_page", "cart", "checkout", "email", "search_results"])
            let clicked = b.rng.chance(30)
            b.bool("clicked", clicked)
            if clicked { sku(&b, "clicked_item_id") }
            b.bool("converted", clicked && b.rng.chance(25))
            b.pick("model_version", ["reco-2024.04.2", "reco-2024.05.1", "twotower-v3"])
        case .notification:
            b.pick("notification_type", ["email", "sms", "push", "push", "in_app", "webhook"])
            b.pick("notification_event", ["order_confirmation", "shipping_update", "payment_receipt", "promotion", "reminder", "welcome"])
            b.pick("delivery_status", ["sent", "delivered", "delivered", "opened", "clicked", "bounced", "failed", "unsubscribed"])
            b.identifier("template_id", "tmpl_", b.rng.below(400), width: 4)
            b.pick("vendor", ["msg91", "netcore", "pepipost", "firebase", "custom"])
            b.pick("language", ["en-IN", "hi-IN", "ta-IN", "te-IN", "kn-IN", "en-US"])
            b.pick("trigger_source", ["order-service", "marketing-journey", "cart-reminder-job", "payment-service"])
            b.decimal("open_rate", in: 0...1_000, scale: 3)
            b.decimal("click_through_rate", in: 0...400, scale: 3)
        case .logistics:
            b.identifier("warehouse_id", "WH-BLR-", b.rng.below(40), width: 2)
            b.pick("delivery_partner", ["bluedart", "dtdc", "delhivery", "ecom_express", "xpressbees", "local_courier"])
            b.hexIdentifier("tracking_id", "AWB", count: 12)
            let status = b.pickValue(["pending", "picked_up", "in_transit", "in_transit", "out_for_delivery", "delivered", "delivered", "failed", "returned"])
            b.string("delivery_status", status)
            b.timestamp("estimated_delivery", from: occurred + 86_400_000_000, to: occurred + 5 * 86_400_000_000)
            if status.matches("delivered") { b.timestamp("actual_delivery", from: occurred - 3_600_000_000, to: occurred) }
            b.pick("delivery_region", Self.regions)
            b.pick("return_status", ["none", "none", "none", "requested", "approved", "in_transit", "completed"])
            if b.rng.chance(20) { b.duration("delivery_delay_duration", secondsIn: 3_600...172_800) }
            b.openArray("delivery_updates")
            for step in 0..<b.rng.int(in: 1...3) {
                b.openObject()
                b.string("status", ["picked_up", "in_transit", "out_for_delivery"][step])
                b.timestamp("timestamp", occurred - Int64(3 - step) * 7_200_000_000)
                b.pick("location", ["Bengaluru Hub", "Hosur Sort Centre", "Mumbai Gateway", "Delhi NCR Hub", "Chennai DC"])
                b.closeObject()
            }
            b.closeArray()
        case .inventory:
            sku(&b, "product_id")
            b.identifier("warehouse_id", "WH-BLR-", b.rng.below(40), width: 2)
            b.int("stock_level", in: 0...5_000)
            b.pick("action", ["restock", "sale", "sale", "sale", "return", "adjustment", "transfer", "reservation"])
            b.int("quantity_changed", in: -50...200)
            b.timestamp("last_restock", from: occurred - 20 * 86_400_000_000, to: occurred)
            b.int("out_of_stock_frequency", in: 0...12)
            b.pick("product_category", Self.categories)
            b.int("avg_turnover_days", in: 3...90)
            b.int("returned_units", in: 0...30)
            b.int("daily_units_sold", in: 0...400)
            b.int("reorder_threshold", in: 20...500)
            b.decimal("shrinkage_rate", in: 0...50, scale: 3)
            b.identifier("supplier_id", "SUP-", b.rng.below(900), width: 4)
        case .wishlist:
            b.identifier("wishlist_id", "wl_", b.rng.below(2_000_000))
            let action = b.pickValue(["item_added", "item_added", "item_removed", "wishlist_shared", "item_moved_to_cart"])
            b.string("action", action)
            sku(&b, "product_id")
            b.int("wishlist_size", in: 1...60)
            if action.matches("wishlist_shared") {
                b.openArray("shared_with")
                for _ in 0..<b.rng.int(in: 1...3) { b.identifierValue("usr_", b.rng.below(250_000), width: 6) }
                b.closeArray()
            }
            b.pick("privacy_setting", ["private", "private", "public", "friends_only"])
        case .review:
            b.hexIdentifier("review_id", "rev_", count: 12)
            sku(&b, "product_id")
            b.int("rating", in: 1...5)
            if b.rng.chance(70) { b.pick("review_text", Self.words) }
            b.bool("verified_purchase", percent: 85)
            let total = b.rng.below(200)
            b.int("helpful_votes", total / 2)
            b.int("total_votes", total)
            let status = b.pickValue(["pending", "approved", "approved", "approved", "rejected", "flagged"])
            b.string("review_status", status)
            if status.matches("rejected") || status.matches("flagged") { b.pick("moderation_reason", ["profanity", "spam", "off_topic", "personal_information"]) }
        case .promotion:
            b.identifier("promotion_id", "promo_", b.rng.below(5_000), width: 5)
            b.pick("promotion_type", ["discount", "bogo", "free_delivery", "cashback", "loyalty_points"])
            b.pick("action", ["viewed", "viewed", "clicked", "applied", "removed", "expired"])
            b.money("discount_amount", cents: 5_000...150_000)
            if b.rng.chance(60) { b.int("discount_percentage", in: 5...60) }
            b.money("minimum_order_value", cents: 49_900...500_000)
            b.pick("promotion_channel", ["email", "website_banner", "app_notification", "social_media", "affiliate"])
            b.pick("campaign_id", ["cmp_summer_sale", "cmp_diwali", "cmp_new_user", "cmp_weekend_flash", "cmp_clearance"])
        case .feedback:
            b.hexIdentifier("feedback_id", "fb_", count: 12)
            b.int("rating", in: 1...5)
            if b.rng.chance(60) { b.pick("comment", Self.words) }
            b.pick("category", ["product", "service", "delivery", "website", "support", "general"])
            b.pick("sentiment", ["positive", "positive", "neutral", "negative"])
            b.pick("channel", ["website", "email", "phone", "chat", "social_media", "app"])
            let resolved = b.rng.chance(60)
            b.bool("resolved", resolved)
            if resolved { b.duration("resolution_duration", secondsIn: 600...259_200) }
            b.openArray("tags")
            b.stringValue(b.pickValue(["late_delivery", "packaging", "price", "quality", "app_ux", "refund"]))
            b.closeArray()
            b.int("helpful_votes", in: 0...40)
        case .support:
            b.identifier("ticket_id", "TCK-", 100_000 + b.rng.below(900_000))
            b.pick("action", ["created", "updated", "resolved", "closed", "escalated", "reopened"])
            b.pick("category", ["technical", "billing", "product", "delivery", "account", "general"])
            b.pick("priority", ["low", "medium", "medium", "high", "urgent"])
            b.pick("channel", ["email", "chat", "chat", "phone", "ticket_system", "social_media"])
            if b.rng.chance(70) { b.identifier("agent_id", "agent_", b.rng.below(300), width: 3) }
            if b.rng.chance(40) {
                b.duration("resolution_duration", secondsIn: 300...172_800)
                b.int("satisfaction_rating", in: 1...5)
            }
        case .subscription:
            b.hexIdentifier("subscription_id", "sub_", count: 12)
            let action = b.pickValue(["created", "renewed", "renewed", "cancelled", "paused", "resumed", "upgraded", "downgraded"])
            b.string("action", action)
            b.pick("plan_id", ["plan_basic_monthly", "plan_plus_yearly", "plan_family_quarterly", "plan_pro_monthly"])
            b.pick("billing_cycle", ["monthly", "monthly", "quarterly", "yearly"])
            b.money("subscription_value", cents: 9_900...299_900)
            b.bool("trial_period", percent: 15)
            b.bool("auto_renewal", percent: 75)
            if action.matches("cancelled") { b.pick("cancellation_reason", ["price", "features", "competition", "service_quality", "other"]) }
        case .comparison:
            b.hexIdentifier("comparison_id", "cmp_", count: 10)
            b.openArray("products_compared")
            for _ in 0..<b.rng.int(in: 2...4) { b.identifierValue("SKU-", 10_000 + b.rng.below(90_000)) }
            b.closeArray()
            b.openArray("comparison_criteria")
            b.stringValue(b.pickValue(["price", "rating", "battery_life", "weight"]))
            b.stringValue(b.pickValue(["warranty", "delivery_time", "brand", "size"]))
            b.closeArray()
            if b.rng.chance(50) { sku(&b, "selected_product") }
            b.duration("comparison_duration", secondsIn: 10...900)
        case .abandonment:
            b.pick("abandonment_type", ["cart", "cart", "checkout", "search", "product_view", "registration"])
            b.pick("stage", ["shipping_details", "payment_selection", "otp_verification", "address_entry", "review_order"])
            b.duration("abandonment_duration", secondsIn: 60...86_400)
            b.money("cart_value", cents: 19_900...2_999_900)
            b.int("items_count", in: 0...10)
            b.pick("exit_page", ["https://shop.example.in/checkout/payment", "https://shop.example.in/cart", "https://shop.example.in/checkout/address"])
            b.bool("recovery_email_sent", percent: 50)
        case .loyalty:
            b.pick("loyalty_program_id", ["lp_supercoins", "lp_prime_rewards"])
            let action = b.pickValue(["points_earned", "points_earned", "points_redeemed", "tier_upgraded", "tier_downgraded", "reward_claimed"])
            b.string("action", action)
            if action.matches("points_earned") { b.int("points_earned", in: 5...500) }
            if action.matches("points_redeemed") { b.int("points_redeemed", in: 50...2_000) }
            b.int("current_points_balance", in: 0...25_000)
            b.pick("tier_level", ["bronze", "silver", "gold", "platinum", "diamond"])
            if action.matches("reward_claimed") { b.identifier("reward_id", "rwd_", b.rng.below(500), width: 4) }
            b.timestamp("expiry_date", from: occurred + 30 * 86_400_000_000, to: occurred + 365 * 86_400_000_000)
        case .referral:
            b.identifier("referrer_id", "usr_", b.rng.below(250_000), width: 6)
            if b.rng.chance(60) { b.identifier("referee_id", "usr_", b.rng.below(250_000), width: 6) }
            b.hexIdentifier("referral_code", "REF", count: 6)
            b.pick("action", ["code_generated", "code_shared", "signup_via_referral", "first_purchase", "reward_earned"])
            b.pick("reward_type", ["discount", "cashback", "points", "free_product"])
            b.money("reward_value", cents: 5_000...50_000)
            b.pick("sharing_channel", ["email", "social_media", "direct_link", "sms"])
        case .affiliate:
            b.identifier("affiliate_id", "aff_", b.rng.below(2_000), width: 4)
            b.pick("action", ["click", "click", "conversion", "commission_earned", "payout"])
            b.decimal("commission_rate", in: 10...150, scale: 3)
            b.money("commission_amount", cents: 1_000...50_000)
            b.pick("referral_url", ["https://shop.example.in/p/SKU-10234?aff=cashkaro", "https://shop.example.in/deals?aff=grabon", "https://shop.example.in/c/footwear?aff=blogger42"])
            b.money("conversion_value", cents: 49_900...999_900)
            b.hexIdentifier("tracking_id", "trk_", count: 16)
        case .deviceActivation:
            deviceId(&b, "device_id")
            batchNumber(&b, "batch_number", occurred)
            b.pick("activation_method", ["qr_scan", "qr_scan", "nfc_tap", "manual_entry", "app_pairing"])
            b.identifier("patient_id", "PT-", b.rng.below(900_000), width: 6)
            if b.rng.chance(60) { b.pick("healthcare_provider", ["Apollo Clinics Indiranagar", "Fortis Hospital Mulund", "Manipal Hospital Whitefield"]) }
            if b.rng.chance(60) { b.identifier("prescription_id", "RX-", b.rng.below(9_000_000)) }
            b.pick("device_type", ["insulin_patch", "pain_relief_patch", "hormone_patch_microsizefibers", "vaccine_patch", "diagnostic_sensor"])
            geo(&b, "activation_location")
            b.openObject("device_metadata")
            b.pick("firmware_version", ["2.4.1", "2.5.0", "3.0.2"])
            b.date("manufacturing_date", occurred, daysOffset: -b.rng.int(in: 30...300))
            b.date("expiry_date", occurred, daysOffset: b.rng.int(in: 60...700))
            b.openObject("storage_conditions")
            b.pick("temperature_range", ["2-8C", "15-25C", "below 30C"])
            b.decimal("humidity_exposure", in: 200...700, scale: 1)
            b.closeObject()
            b.closeObject()
        case .patchApplication:
            deviceId(&b, "device_id")
            b.pick("application_site", ["upper_arm", "abdomen", "thigh", "back", "chest"])
            b.timestamp("application_timestamp", occurred - 60_000_000)
            if b.rng.chance(60) { b.identifier("patient_id", "PT-", b.rng.below(900_000), width: 6) }
            b.openObject("skin_preparation")
            b.bool("cleaned", percent: 95)
            b.bool("hair_removed", percent: 40)
            b.pick("skin_condition", ["normal", "normal", "dry", "oily", "sensitive", "irritated"])
            b.closeObject()
            b.decimal("application_pressure", in: 50...300, scale: 1)
            b.pick("adhesion_quality", ["excellent", "good", "good", "fair", "poor"])
            b.int("patient_comfort_score", in: 1...10)
            b.openObject("environmental_conditions")
            b.decimal("temperature", in: 180...380, scale: 1)
            b.decimal("humidity", in: 200...900, scale: 1)
            b.int("altitude", in: 0...2_000)
            b.closeObject()
        case .sensorReading:
            deviceId(&b, "device_id")
            b.pick("sensor_type", ["glucose", "glucose", "insulin_level", "ph", "temperature", "pressure", "flow_rate", "biomarker"])
            b.decimal("reading_value", in: 600...2_600, scale: 1)
            b.pick("unit_of_measurement", ["mg/dL", "mmol/L", "pH", "C", "kPa", "uL/h"])
            b.timestamp("timestamp", occurred - Int64(b.rng.below(5_000_000)))
            b.pick("reading_quality", ["high", "high", "medium", "low", "error"])
            b.pick("calibration_status", ["calibrated", "calibrated", "needs_calibration", "calibration_expired"])
            b.decimal("baseline_deviation", in: -500...500, scale: 2)
            b.pick("trend_direction", ["rising", "falling", "stable", "stable", "fluctuating"])
            b.bool("alert_triggered", percent: 5)
            b.pick("clinical_significance", ["normal", "normal", "normal", "attention_needed", "critical", "emergency"])
            if b.rng.chance(30) { b.identifier("patient_id", "PT-", b.rng.below(900_000), width: 6) }
        case .dosageDelivery:
            deviceId(&b, "device_id")
            b.pick("substance_delivered", ["insulin_aspart", "lidocaine", "estradiol", "buprenorphine", "nicotine"])
            b.decimal("dosage_amount", in: 5...400, scale: 1)
            b.pick("unit_of_measurement", ["IU", "mg", "mcg"])
            b.timestamp("delivery_timestamp", occurred - 1_000_000)
            b.pick("delivery_method", ["micro_needle", "transdermal", "iontophoresis", "ultrasonic"])
            b.decimal("delivery_rate", in: 1...200, scale: 2)
            b.decimal("delivery_pressure", in: 10...90, scale: 1)
            b.bool("delivery_success", percent: 97)
            b.identifier("patient_id", "PT-", b.rng.below(900_000), width: 6)
            b.openObject("patient_response")
            b.pick("immediate_reaction", ["none", "none", "none", "mild_irritation", "moderate_reaction", "severe_reaction"])
            b.int("pain_level", in: 0...10)
            b.pick("absorption_rate", ["fast", "normal", "normal", "slow", "impaired"])
            b.closeObject()
            b.int("reservoir_level_remaining", in: 0...100)
        case .adverseEvent:
            deviceId(&b, "device_id")
            b.pick("event_type", ["skin_irritation", "allergic_reaction", "device_malfunction", "dosage_error", "infection", "other"])
            b.pick("severity", ["mild", "mild", "moderate", "severe", "life_threatening"])
            b.pick("reporter_type", ["patient", "healthcare_provider", "caregiver", "manufacturer"])
            b.identifier("patient_id", "PT-", b.rng.below(900_000), width: 6)
            b.pick("event_description", ["Redness and itching at the application site after 6 hours.", "Patch detached early; dose delivery interrupted.", "Patient reported dizziness 30 minutes after dose."])
            b.timestamp("onset_time", occurred - 7_200_000_000)
            if b.rng.chance(50) { b.timestamp("resolution_time", occurred) }
            b.bool("medical_intervention_required", percent: 25)
            b.bool("regulatory_reporting_required", percent: 30)
            b.bool("batch_investigation_triggered", percent: 10)
            b.openObject("patient_demographics")
            b.pick("age_group", ["pediatric", "adult", "adult", "geriatric"])
            b.pick("gender", ["male", "female", "other", "not_specified"])
            b.openArray("medical_conditions")
            b.stringValue(b.pickValue(["type_2_diabetes", "hypertension", "asthma", "none_reported"]))
            b.closeArray()
            b.closeObject()
        // The 20 types seed 003 names without a field list: plausible, stable shapes per type.
        case .efficacyMeasurement:
            b.identifier("patient_id", "PT-", b.rng.below(900_000), width: 6)
            deviceId(&b, "device_id")
            b.pick("metric", ["hba1c", "pain_score", "fasting_glucose", "hormone_level"])
            b.decimal("baseline_value", in: 50...200, scale: 1)
            b.decimal("current_value", in: 40...180, scale: 1)
            b.int("days_on_therapy", in: 7...180)
            b.pick("assessment", ["improved", "unchanged", "worsened"])
        case .patientOutcome:
            b.identifier("patient_id", "PT-", b.rng.below(900_000), width: 6)
            b.pick("outcome", ["recovered", "improving", "stable", "readmitted"])
            b.int("follow_up_days", in: 7...90)
            b.pick("diagnosis", ["E11.9", "M54.5", "N95.1", "G43.909"])
            b.bool("adherent", percent: 80)
        case .clinicalData:
            b.hexIdentifier("study_id", "CTRI-2024-", count: 6)
            b.identifier("patient_id", "PT-", b.rng.below(900_000), width: 6)
            b.pick("visit", ["screening", "baseline", "week_4", "week_12", "end_of_study"])
            b.openObject("vitals")
            b.int("systolic", in: 100...160)
            b.int("diastolic", in: 60...100)
            b.int("heart_rate", in: 55...110)
            b.closeObject()
            b.pick("site_id", ["SITE-BLR-01", "SITE-MUM-03", "SITE-DEL-02"])
        case .regulatoryReport:
            b.hexIdentifier("report_id", "RR-", count: 10)
            b.pick("authority", ["CDSCO", "FDA", "EMA"])
            b.pick("report_type", ["PSUR", "MDR", "field_safety_notice"])
            b.pick("status", ["draft", "submitted", "acknowledged"])
            b.date("due_date", occurred, daysOffset: b.rng.int(in: 5...60))
        case .batchProduction:
            batchNumber(&b, "batch_number", occurred)
            b.pick("product_line", ["insulin_patch", "pain_relief_patch", "vaccine_patch"])
            b.int("units_produced", in: 5_000...50_000)
            b.decimal("yield_rate", in: 9_000...9_990, scale: 4)
            b.pick("line_id", ["LINE-A", "LINE-B", "LINE-C"])
            b.pick("shift", ["morning", "evening", "night"])
        case .qualityControl:
            batchNumber(&b, "batch_number", occurred)
            b.pick("test_type", ["adhesion", "dose_uniformity", "sterility", "microneedle_integrity"])
            b.int("samples_tested", in: 20...200)
            b.int("samples_failed", in: 0...3)
            b.pick("result", ["pass", "pass", "pass", "fail", "retest"])
            b.identifier("inspector_id", "QA-", b.rng.below(80), width: 3)
        case .sterilization:
            batchNumber(&b, "batch_number", occurred)
            b.pick("method", ["ethylene_oxide", "gamma_irradiation", "e_beam"])
            b.duration("cycle_duration", secondsIn: 3_600...28_800)
            b.decimal("dose_kgy", in: 150...350, scale: 1)
            b.bool("cycle_passed", percent: 98)
        case .packaging:
            batchNumber(&b, "batch_number", occurred)
            b.pick("package_type", ["blister_pack", "pouch", "carton_10"])
            b.int("units_packed", in: 1_000...20_000)
            b.bool("serialization_verified", percent: 99)
            b.pick("line_id", ["PACK-1", "PACK-2"])
        case .distribution:
            batchNumber(&b, "batch_number", occurred)
            b.identifier("shipment_id", "SHP-", b.rng.below(9_000_000))
            b.pick("destination", ["Apollo Pharmacy DC Hyderabad", "MedPlus DC Chennai", "1mg Warehouse Gurugram"])
            b.int("units_shipped", in: 100...5_000)
            b.bool("cold_chain", percent: 70)
            b.decimal("max_temperature_c", in: 20...80, scale: 1)
        case .recall:
            b.hexIdentifier("recall_id", "RCL-", count: 8)
            batchNumber(&b, "batch_number", occurred)
            b.pick("recall_class", ["class_i", "class_ii", "class_iii"])
            b.pick("reason", ["adhesive_failure", "labeling_error", "dose_variance"])
            b.int("units_affected", in: 100...20_000)
        case .providerOnboarding:
            b.identifier("provider_id", "PRV-", b.rng.below(50_000), width: 5)
            b.pick("provider_type", ["clinic", "hospital", "pharmacy", "physician"])
            b.pick("step", ["registered", "documents_submitted", "verified", "activated"])
            b.pick("registration_number", ["KMC-48213", "MMC-2019-0042", "DMC-R-11873"])
            geo(&b, "location")
        case .bulkOrder:
            b.identifier("buyer_id", "B2B-", b.rng.below(4_000), width: 4)
            b.openArray("line_items")
            for _ in 0..<b.rng.int(in: 1...3) {
                b.openObject()
                sku(&b, "product_id")
                b.int("quantity", in: 50...2_000)
                b.decimal("unit_price", in: 5_000...90_000, scale: 2)
                b.closeObject()
            }
            b.closeArray()
            b.money("order_value", cents: 1_000_000...90_000_000)
            b.pick("payment_terms", ["net_30", "net_45", "advance"])
        case .trainingCompletion:
            b.identifier("provider_id", "PRV-", b.rng.below(50_000), width: 5)
            b.pick("course_id", ["patch-application-101", "adverse-event-reporting", "cold-chain-handling"])
            b.int("score", in: 60...100)
            b.duration("time_spent", secondsIn: 900...7_200)
            b.bool("passed", percent: 90)
        case .certification:
            b.identifier("provider_id", "PRV-", b.rng.below(50_000), width: 5)
            b.pick("certificate", ["certified_patch_administrator", "clinical_trial_site"])
            b.date("valid_until", occurred, daysOffset: b.rng.int(in: 180...730))
            b.pick("issued_by", ["Sluice Health Academy", "NABH"])
        case .auditTrail:
            b.identifier("actor_id", "usr_", b.rng.below(250_000), width: 6)
            b.pick("action", ["record_viewed", "record_exported", "role_changed", "api_key_created", "setting_updated"])
            b.pick("resource", ["orders", "patients", "api_keys", "retention_policies"])
            b.hexIdentifier("resource_id", "", count: 12)
            b.pick("ip_address", ["203.0.113.24", "198.51.100.7", "192.0.2.181", "2001:db8:85a3::8a2e:370:7334"])
            b.pick("outcome", ["success", "success", "denied"])
        case .mlPrediction:
            b.pick("model", ["churn-xgb", "ltv-regressor", "fraud-gbdt", "next-best-offer"])
            b.pick("model_version", ["2024.04.1", "2024.05.0"])
            b.decimal("score", in: 0...1_000, scale: 3)
            b.pick("label", ["low", "medium", "high"])
            b.int("latency_ms", in: 2...120)
            b.openObject("features")
            b.int("orders_90d", in: 0...40)
            b.int("days_since_last_order", in: 0...200)
            b.decimal("avg_order_value", in: 20_000...500_000, scale: 2)
            b.closeObject()
        case .anomalyDetection:
            b.pick("metric", ["orders_per_minute", "payment_failure_rate", "p95_checkout_latency_ms", "sensor_dropout_rate"])
            b.decimal("observed", in: 0...100_000, scale: 2)
            b.decimal("expected", in: 0...100_000, scale: 2)
            b.decimal("z_score", in: -600...900, scale: 2)
            b.pick("severity", ["info", "warning", "critical"])
            b.pick("detector", ["ewma", "prophet", "isolation_forest"])
        case .cohortAnalysis:
            b.pick("cohort", ["2024-01-signups", "2024-02-signups", "diwali-buyers", "upi-first-time"])
            b.int("cohort_size", in: 500...80_000)
            b.int("period_week", in: 0...12)
            b.decimal("retention_rate", in: 50...900, scale: 3)
            b.money("revenue", cents: 1_000_000...900_000_000)
        case .aBTest:
            b.pick("experiment_id", ["exp_checkout_one_page", "exp_reco_carousel", "exp_free_ship_threshold"])
            b.pick("variant", ["control", "treatment_a", "treatment_b"])
            b.pick("action", ["exposed", "exposed", "converted"])
            b.decimal("allocation", in: 100...500, scale: 3)
        case .personalization:
            b.pick("surface", ["homepage_hero", "pdp_carousel", "cart_upsell", "push_digest"])
            b.pick("strategy", ["recently_viewed", "similar_items", "bought_together", "trending_nearby"])
            b.openArray("items")
            for _ in 0..<b.rng.int(in: 2...4) { b.identifierValue("SKU-", 10_000 + b.rng.below(90_000)) }
            b.closeArray()
            b.bool("clicked", percent: 20)
        }
    }
}

/// The 45 pocm event types of seed 003 (raw value: the wire name).
enum PocmKind: String, CaseIterable, Sendable {
    case cart
    case search
    case user
    case checkout
    case payment
    case recommendation
    case notification
    case logistics
    case inventory
    case wishlist
    case review
    case promotion
    case feedback
    case support
    case subscription
    case comparison
    case abandonment
    case loyalty
    case referral
    case affiliate
    case deviceActivation = "device_activation"
    case patchApplication = "patch_application"
    case sensorReading = "sensor_reading"
    case dosageDelivery = "dosage_delivery"
    case adverseEvent = "adverse_event"
    case efficacyMeasurement = "efficacy_measurement"
    case patientOutcome = "patient_outcome"
    case clinicalData = "clinical_data"
    case regulatoryReport = "regulatory_report"
    case batchProduction = "batch_production"
    case qualityControl = "quality_control"
    case sterilization
    case packaging
    case distribution
    case recall
    case providerOnboarding = "provider_onboarding"
    case bulkOrder = "bulk_order"
    case trainingCompletion = "training_completion"
    case certification
    case auditTrail = "audit_trail"
    case mlPrediction = "ml_prediction"
    case anomalyDetection = "anomaly_detection"
    case cohortAnalysis = "cohort_analysis"
    case aBTest = "a_b_test"
    case personalization

    /// Types emitted by patches and their gateways rather than by shop clients.
    var isMedicalDevice: Bool {
        [.deviceActivation, .patchApplication, .sensorReading, .dosageDelivery].contains(self)
    }
}

extension StaticString {
    /// Byte equality (StaticString is not Equatable).
    func matches(_ other: StaticString) -> Bool {
        utf8CodeUnitCount == other.utf8CodeUnitCount
            && zip(UnsafeBufferPointer(start: utf8Start, count: utf8CodeUnitCount),
                   UnsafeBufferPointer(start: other.utf8Start, count: other.utf8CodeUnitCount)).allSatisfy { $0 == $1 }
    }
}
