"""CRM attachments: files on accounts, contacts, leads and opportunities (routes in ``api``)."""
