"""Mercantiq Sales & Billing: catalogue, invoices and credit notes that feed e-Factura by themselves."""
