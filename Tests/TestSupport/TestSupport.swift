import Postgres
public enum TestSupportInfo {}
