"""The public, versioned export (API v1): one in-memory model written as JSON slices and a CSV table.

records -> (slices, csv_table, changes) -> writer. ``reader`` turns an export back into the model.
"""

SCHEMA_VERSION = "1.0.0"
API_DIR = "api/v1"
