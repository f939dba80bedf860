"""Compliance: the workers that talk to ANAF (taxpayer, e-Factura, e-Transport, SAF-T) and REGES."""

from genius.core.kit.manifest import BeatEntry, Module

MANIFEST = Module(
    name="compliance",
    description="ANAF taxpayer, e-Factura, e-Transport, SAF-T D406 and REGES",
    schema="compliance",
    routers=("genius.compliance.api:router",),
    topics=("genius.compliance.events",),
    demo="genius.compliance.demo:seed_demo",
    connections="genius.compliance.connections:connections",
    company_lookup="genius.compliance.connections:company_lookup",
    tasks={
        "anaf.taxpayer": "genius.compliance.taxpayer.tasks",
        "anaf.efactura": "genius.compliance.efactura.tasks",
        "anaf.etransport": "genius.compliance.etransport.tasks",
        "anaf.saft": "genius.compliance.saft.tasks",
        "reges": "genius.compliance.reges.tasks",
    },
    # The SPV inbox: received supplier invoices, fetched every 15 minutes per connected tenant.
    beat=(BeatEntry("efactura-inbox", "anaf.efactura.inbox_sweep", 900.0, "anaf.efactura"),),
)
