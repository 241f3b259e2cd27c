"""The public, versioned export (API v1): one in-memory model written as JSON slices and a CSV table.

records -> (slices, csv_table, changes) -> writer. ``reader`` turns an export back into the model.
"""

SCHEMA_VERSION = "1.2.0"
# 1.1.0: rules gain prior_auth_answers (rules.csv: prior_auth_<setting>).
# 1.2.0: state slices also list their rules by reference (rule_refs).
API_DIR = "api/v1"
