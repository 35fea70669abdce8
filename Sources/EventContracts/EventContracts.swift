/// Event contracts: schemas, the byte-level validator, normalization and privacy rules.
/// (Filled in by the event-contracts issue.)
public enum EventContracts {}
