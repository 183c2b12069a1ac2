"""Reports: read-only views of the tracker, rendered to CSV, XLSX, JSON, PDF, HTML and ICS."""
