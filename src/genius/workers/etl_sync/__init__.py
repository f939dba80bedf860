"""Queue ``etl.sync``: bulk data movement (the CRM CSV import; lakehouse feeds later)."""
