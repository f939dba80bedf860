"""Declarations used by the e-Transport tests (valid unless a test mutates them)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from genius.compliance.etransport.declaration import Declaration
from genius.compliance.etransport.uit import check_digits

CIF = "14399840"
UIT = "3V0P0L0P0T3JUW46"  # an example from the schematron's comment


def make_uit(body: str = "4C0U0C0J0W3DDQ") -> str:
    return body + check_digits(body)


def national(value: str = "12500.00", **overrides: Any) -> Declaration:
    """A national transport (30) of two goods lines, address to address."""
    data: dict[str, Any] = {
        "codDeclarant": CIF,
        "refDeclarant": "SHIP-1",
        "notificare": {
            "codTipOperatiune": "30",
            "bunuriTransportate": [
                {
                    "codScopOperatiune": "101",
                    "codTarifar": "07019050",
                    "denumireMarfa": "Cartofi",
                    "cantitate": Decimal("1000"),
                    "codUnitateMasura": "KGM",
                    "greutateNeta": Decimal("1000"),
                    "greutateBruta": Decimal("1020.5"),
                    "valoareLeiFaraTva": Decimal(value),
                },
                {
                    "codScopOperatiune": "101",
                    "codTarifar": "0702",
                    "denumireMarfa": "Roșii",
                    "cantitate": Decimal("200.25"),
                    "codUnitateMasura": "KGM",
                    "greutateNeta": Decimal("200.25"),
                    "greutateBruta": Decimal("210"),
                    "valoareLeiFaraTva": Decimal("0"),
                },
            ],
            "partenerComercial": {"codTara": "RO", "cod": "18547290", "denumire": "Client SRL"},
            "dateTransport": {
                "nrVehicul": "B123ABC",
                "nrRemorca1": "B45XYZ",
                "codTaraOrgTransport": "RO",
                "codOrgTransport": "PF",
                "denumireOrgTransport": "Transport Ion",
                "dataTransport": date(2026, 11, 24),
            },
            "locStartTraseuRutier": {
                "locatie": {
                    "codJudet": 40,
                    "denumireLocalitate": "București Sector 1",
                    "denumireStrada": "Calea Victoriei",
                    "numar": "10",
                }
            },
            "locFinalTraseuRutier": {
                "locatie": {
                    "codJudet": 12,
                    "denumireLocalitate": "Cluj-Napoca",
                    "denumireStrada": "Memorandumului",
                }
            },
            "documenteTransport": [
                {"tipDocument": "30", "numarDocument": "AV-77", "dataDocument": date(2026, 11, 24)},
                {"tipDocument": "9999", "dataDocument": date(2026, 11, 24), "observatii": "Proces-verbal"},
            ],
        },
    }
    data["notificare"].update(overrides)
    return Declaration.model_validate(data)


def intra_eu_acquisition() -> Declaration:
    """10: goods from Hungary entering at Nădlac (border point 4), to a warehouse in Arad."""
    return Declaration.model_validate(
        {
            "codDeclarant": CIF,
            "notificare": {
                "codTipOperatiune": "10",
                "bunuriTransportate": [
                    {
                        "codScopOperatiune": "201",
                        "codTarifar": "7214",
                        "denumireMarfa": "Bare din oțel",
                        "cantitate": Decimal("20"),
                        "codUnitateMasura": "TNE",
                        "greutateNeta": Decimal("20000"),
                        "greutateBruta": Decimal("20100"),
                        "valoareLeiFaraTva": Decimal("95000"),
                    }
                ],
                "partenerComercial": {"codTara": "HU", "cod": "HU12345678", "denumire": "Acel Kft"},
                "dateTransport": {
                    "nrVehicul": "HUABC123",
                    "codTaraOrgTransport": "HU",
                    "codOrgTransport": "HU87654321",
                    "denumireOrgTransport": "Trans Kft",
                    "dataTransport": date(2026, 11, 24),
                },
                "locStartTraseuRutier": {"codPtf": 4},
                "locFinalTraseuRutier": {
                    "locatie": {
                        "codJudet": 2,
                        "denumireLocalitate": "Arad",
                        "denumireStrada": "Calea Aurel Vlaicu",
                    }
                },
                "documenteTransport": [
                    {"tipDocument": "10", "numarDocument": "CMR1", "dataDocument": date(2026, 11, 23)}
                ],
            },
        }
    )


def deletion(uit: str = UIT) -> Declaration:
    return Declaration.model_validate({"codDeclarant": CIF, "stergere": {"uit": uit}})


def confirmation(uit: str = UIT) -> Declaration:
    return Declaration.model_validate(
        {
            "codDeclarant": CIF,
            "confirmare": {"uit": uit, "tipConfirmare": "20", "observatii": "lipsă 2 colete"},
        }
    )


def vehicle_change(uit: str = UIT) -> Declaration:
    return Declaration.model_validate(
        {
            "codDeclarant": CIF,
            "declPostAvarie": True,
            "modifVehicul": {
                "uit": uit,
                "nrVehicul": "CJ01XYZ",
                "dataModificare": datetime(2026, 11, 24, 15, 30),
            },
        }
    )


ALL = {
    "national": national,
    "intra_eu": intra_eu_acquisition,
    "deletion": deletion,
    "confirmation": confirmation,
    "vehicle_change": vehicle_change,
}
