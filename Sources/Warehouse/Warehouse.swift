import Postgres
public enum WarehouseInfo {}
