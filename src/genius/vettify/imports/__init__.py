"""Vettify CRM CSV import: upload, preview, mapping, validation and the ``etl.sync`` import job."""
