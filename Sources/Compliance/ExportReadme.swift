/// README.txt of an export: what each file holds, for the person who receives it.
enum ExportReadme {
    static func text(requestID: String, tenant: String) -> String {
        """
        Your data held by this analytics warehouse (a GDPR Article 15 access request)
        ===========================================================================

        Request: \(requestID)
        Tenant:  \(tenant)

        Every file ending in .ndjson.gz is gzip-compressed NDJSON: one JSON object per line, one
        line per stored row. Open with `zcat FILE` or any tool that reads gzip. A file with no
        lines means the warehouse holds nothing of that kind about you.

          events.ndjson.gz                  every event recorded about you, in every month: those
                                            carrying your user id, and anonymous ones (a session,
                                            a device, an app profile) linked to you. Medical
                                            fields appear decrypted. Emails and phone numbers
                                            appear as the keyed hashes the warehouse stores
                                            instead of them.
          dim_users.ndjson.gz               your profile as the reports see it.
          identity_links.ndjson.gz          anonymous identifiers attributed to you.
          identity_pairs.ndjson.gz          every anonymous identifier ever seen with you.
          user_attribute_values.ndjson.gz   the latest value of each attribute of yours.
          personalization_opt_outs.ndjson.gz  your opt-out of personalization, if any.
          dead_letters.ndjson.gz            events about you that were refused as invalid, as
                                            they were received ("raw"; "raw_base64" when not text).
          audit_entries.ndjson.gz           what compliance staff did about you (earlier exports,
                                            erasures, searches), from the audit trail.

        manifest.json lists every file with its number of lines, its size in bytes and its
        SHA-256 (check with `sha256sum`): a file that does not match was altered or is incomplete.

        """
    }
}
