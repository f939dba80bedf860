# GENERATED FILE — generated once with xmlschema from the official REGES Online XSD (namespace
# http://www.inspectiamuncii.ro/reges2025, ../shared/data/reges/reges.xsd); the generator is not part of
# the product. Do not edit by hand except to follow a new XSD: tests/compliance/reges/test_schema_xsd.py
# checks every type, element order and enumeration against the XSD.
"""REGES Online message types, generated from the XSD ``http://www.inspectiamuncii.ro/reges2025``.

One class per complex type the API messages use (element order = the XSD sequence, so the XML we write
follows the schema), one ``Literal`` per enumeration. JSON names are the camelCase of the XML names
(``CUIAngajatorDestinatie`` -> ``cuiAngajatorDestinatie``), as the REGES JSON API spells them.
Generated once with xmlschema from the official XSD (the generator is not part of the product);
``tests/compliance/reges/test_schema_xsd.py`` checks that every type, element order and enumeration
still matches the XSD.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Discriminator, Field, Tag

from genius.compliance.reges.base import Guid, RegesModel, XsDate, XsDateTime, XsInt, polymorphic

ActIdentitatePF = Literal[
    "Cnp",
    "CnpCif",
    "Pasaport",
    "PasaportCif",
    "PasaportActIdentitate",
]
Apatrid = Literal[
    "FaraDreptDeSedereInUe",
    "CuDreptDeSedereInUe",
]
Entitate = Literal[
    "Salariat",
    "Contract",
]
ExceptieDataSfarsit = Literal[
    "Art83LitA",
    "Art83LitE",
    "Art83LitH",
]
FormaJuridicaPF = Literal[
    "PF",
    "PFA",
    "IF",
    "ProfesieSpeciala",
    "IPF",
]
FormaJuridicaPJ = Literal[
    "SocietateComerciala",
    "RegieAutonoma",
    "CompanieNationala",
    "SocietateNationala",
    "AutoritateInstitutiePublica",
    "InstitutieDeCredit",
    "SocietateCooperativa",
    "OrganizatieSindicala",
    "Fundatie",
    "AltePersoaneJuridice",
    "OrganizatiePatronala",
    "OrganizatieAsociatieCuPersonalitateJuridica",
    "ReprezentantaDinRomaniaPentruPJStraina",
    "InstitutCulturalAlUnuiStat",
    "ReprezentantaComercialaSiEconomicaAleAltuiStat",
    "MisiuneDiplomatica",
    "OficiuConsular",
]
FormaOrganizarePF = Literal[
    "Arhitect",
    "AsistentMedical",
    "AuditorFinanciar",
    "Avocat",
    "ConsilierProprietateIndustriala",
    "ConsultantFiscal",
    "ExecutorJudecatoresc",
    "ExpertContabil",
    "ExpertVamal",
    "Farmacist",
    "Medic",
    "MedicVeterinar",
    "NotarPublic",
    "Psiholog",
    "TraducatorAutorizat",
    "LichidatorJudiciar",
    "AltePersoaneFizice",
]
FormaOrganizarePJ = Literal[
    "Agricola",
    "AlteInstitutiiDeCredit",
    "AlteOrganizatiiPatronale",
    "AlteOrganizatiiSauAsociatiiCuPersonalitateJuridica",
    "AsociatieDeProprietari",
    "Banca",
    "CaseDeEconomiiPentruDomeniulLocativ",
    "ConfederatieSindicala",
    "DeConsum",
    "DeLocuinte",
    "DeTransporturi",
    "DeValorificare",
    "Federatiepatronala",
    "Federatiesindicala",
    "Forestiere",
    "InstitutiiEmitenteDeMonedaElectronica",
    "Mestesugareasca",
    "OrganizatieCooperatistaDeCredit",
    "OrganizatieSauAsociatieProfesionala",
    "Patronat",
    "Pescaresti",
    "Sindicat",
    "SocietateCuRaspundereLimitata",
    "SocietateCuRaspundereLimitataDebutant",
    "SocietateInComanditaPeActiuni",
    "SocietateInComanditaSimpla",
    "SocietateInNumeColectiv",
    "SocietatePeActiuni",
    "Sucursalaauneiinstitutiidecreditstraina",
    "UniunePatronala",
    "UniuneSindicala",
]
FormaProprietate = Literal[
    "Stat",
    "Privata",
    "Mixta",
    "Cooperatista",
    "Obsteasca",
]
FormatExport = Literal[
    "JSON",
    "XML",
    "EXCELOPENXML",
]
FormatExtras = Literal[
    "PDF",
    "EXCELOPENXML",
    "WORDOPENXML",
    "CSV",
    "XML",
]
GradHandicap = Literal[
    "Fara",
    "Usor",
    "Mediu",
    "Accentuat",
    "Grav",
]
GradInvaliditate = Literal[
    "Fara",
    "Grad1",
    "Grad2",
    "Grad3",
]
MessageType = Literal[
    "Greseala",
    "AdaugareContract",
    "ModificareContract",
    "CorectieContract",
    "RadiereContract",
    "RevalidareContract",
    "IncetareContract",
    "ReactivareContract",
    "CorectieIncetareContract",
    "AnulareIncetareContract",
    "SuspendareContract",
    "CorectieSuspendareContract",
    "ModificareSuspendareContract",
    "IncetareSuspendareContract",
    "CorectieIncetareSuspendareContract",
    "AnulareSuspendareContract",
    "PropunereDetasareContract",
    "AcceptarePropunereDetasareContract",
    "RespingerePropunereDetasareContract",
    "PropunereMutareContract",
    "AcceptarePropunereMutareContract",
    "RespingerePropunereMutareContract",
    "DetasareContract",
    "CorectieDetasareContract",
    "PrelungireDetasareContract",
    "AnulareDetasareContract",
    "IncetareDetasareContract",
    "AnulareIncetareDetasareContract",
    "CorectieIncetareDetasareContract",
    "TransferContract",
    "AnulareTransferContract",
    "SchimbareLocMuncaContract",
    "AnulareSchimbareLocMuncaContract",
    "SchimbareGestiuneRegistruContract",
    "AnulareSchimbareGestiuneRegistruContract",
    "ModificareDetasareContract",
    "CorectieReactivareContract",
    "AnulareReactivareContract",
    "RadiereContract",
    "InregistrareSalariat",
    "ModificareSalariat",
    "CorectieSalariat",
    "RadiereSalariat",
    "InregistrareAngajator",
    "ModificareAngajator",
    "CorectieAngajator",
    "RadiereAngajator",
    "CerereAccesRegistru",
    "CerereAccesCont",
    "CerereDelegareAccesRegistru",
    "CerereExtrasRegistru",
    "CerereAdeverintaVechime",
    "CerereAccesSistemRegistru",
    "CorectieIstoricContract",
    "IncetareAccesRegistru",
    "RadiereIstoricContract",
    "ExportSalariati",
    "DeblocareReges1Readonly",
    "DeblocareAPIKeyReadonly",
    "AdaugareModificareInIstoricContract",
    "AdaugareSuspendareInIstoricContract",
    "ExportContracte",
    "PreluareRegistru",
    "AdaugareContractInitial",
    "ActualizareSporuri",
    "BlocareAPIKeyReadonly",
    "CorectieIstoricContractCuPropagare",
    "AdaugareModificareInIstoricContractCuPropagare",
    "RadierePropunereDetasareContract",
    "ModificarePropunereDetasareContract",
    "RadierePropunereMutareContract",
    "ImportBazaRevisal",
    "IncetarePropunereDetasareContract",
]
Moneda = Literal[
    "RON",
    "EUR",
    "USD",
]
NivelInfiintare = Literal[
    "SediuSocial",
    "Filiala",
    "Sucursala",
]
NivelStudii = Literal[
    "Superioare",
    "StudiiDeScurtaDurata",
    "Medii",
    "PL",
    "G",
    "SSiLicenta",
    "MSiLicenta",
    "MSiLicentaSauScoalaProfesionalaSiLicenta",
    "ScoalaProfesioanalaSiLicenta",
    "ScoalaMaistriSiLicenta",
    "MSiCursDeCalificare",
    "MSiCursDeCalificareSiLicenta",
    "AltNivelDeStudii",
    "NA",
    "PLM",
    "MG",
]
NormaTimpMunca = Literal[
    "NormaIntreaga840",
    "NormaIntreaga630",
    "NormaIntreagaLegiSpeciale",
    "TimpPartial",
    "TimpOUG132",
]
RepartizareIntervalTimp = Literal[
    "OrePeZi",
    "OrePeSaptamana",
    "OrePeLuna",
]
RepartizareMunca = Literal[
    "Zilnic",
    "Inegal",
    "Schimburi",
    "Flexibil",
    "Individualizat",
]
RepartizareTimpMunca = Literal[
    "OreDeZi",
    "OreDeNoapte",
    "Inegal",
    "OreInRepaos",
    "OreZiSiRepaos",
    "OreNoapteSiRepaos",
    "OreZiNoapteSiRepaos",
]
ResultCode = Literal[
    "SUCCES",
    "FAIL",
]
ResultCodeType = Literal[
    "SUCCES",
    "WARNING",
    "ERROR",
]
ResultSign = Literal[
    "GrinningFace",
    "BeamingFace",
    "FaceWithTearsOfJoy",
    "RollingOnTheFloorLaughing",
    "SmilingFaceWithOpenMouth",
    "SmilingFaceWithSmilingEyes",
    "SmilingFaceWithHalo",
    "WinkingFace",
    "SmilingFaceWithHeartEyes",
    "FaceBlowingAKiss",
    "KissingFace",
    "ThinkingFace",
    "FaceWithRaisedEyebrow",
    "NeutralFace",
    "ExpressionlessFace",
    "FaceWithoutMouth",
    "SmirkingFace",
    "PerseveringFace",
    "DisappointedFace",
    "PensiveFace",
    "SleepingFace",
    "FaceWithSteamFromNose",
    "AngryFace",
    "PoutingFace",
    "CryingFace",
    "LoudlyCryingFace",
    "FaceScreamingInFear",
    "FlushedFace",
    "FaceWithMedicalMask",
    "FaceWithThermometer",
    "FaceWithHeadBandage",
    "NauseatedFace",
    "FaceVomiting",
    "ExplodingHead",
    "CowboyHatFace",
    "ClownFace",
    "RobotFace",
    "PileOfPoo",
    "Ghost",
    "Skull",
    "SkullAndCrossbones",
    "RedHeart",
    "OrangeHeart",
    "YellowHeart",
    "GreenHeart",
    "BlueHeart",
    "PurpleHeart",
    "BlackHeart",
    "BrokenHeart",
    "Fire",
    "HundredPoints",
    "SmilingFaceWithSunglasses",
    "PartyingFace",
    "StarStruck",
    "ThumbsUp",
    "ThumbsDown",
    "ClappingHands",
    "RaisingHands",
    "FoldedHands",
    "FlexedBiceps",
    "WavingHand",
    "WritingHand",
    "LoveYouGesture",
    "RockOn",
    "OKHand",
    "FacePalm",
    "Shrug",
    "DancingWoman",
    "DancingMan",
    "PersonRunning",
    "PersonWalking",
    "Baby",
    "Boy",
    "Girl",
    "Man",
    "Woman",
    "OlderMan",
    "OlderWoman",
    "PoliceOfficer",
    "ConstructionWorker",
    "Prince",
    "Princess",
]
TemeiDetasare = Literal[
    "Transnationala",
    "CodulMuncii",
    "MuncaTemporara",
    "DetasareNonUESEE",
    "Fara",
]
TemeiIncetare = Literal[
    "Art55LitB",
    "Art56Alin1LitA",
    "Art56Alin1LitB",
    "Art56Alin1LitC",
    "Art56Alin1LitD",
    "Art56Alin1LitE",
    "Art56Alin1LitF",
    "Art56Alin1LitG",
    "Art56Alin1LitH",
    "Art56Alin1LitI",
    "Art56Alin1LitJ",
    "Art61LitA",
    "Art61LitB",
    "Art61LitC",
    "Art61LitD",
    "Art65Alin1",
    "Art68",
    "Art81Alin1",
    "Art81Alin7",
    "Art81Alin8",
    "Art31Alin3",
    "HJ",
    "NulitateContract",
    "AltTemei",
    "Art50LitH",
    "Art95Alin4",
    "L448Art39Alin4",
    "Art80Alin3",
    "Fara",
]
TemeiReactivare = Literal["Reintegrare",]
TemeiSuspendare = Literal[
    "Art54",
    "Art50LiteraD",
    "Art50LiteraE",
    "Art50LiteraF",
    "Art50LiteraG",
    "Art50LiteraH",
    "Art50LiteraI",
    "Art51Alin1LiteraA",
    "Art51Alin1LiteraB",
    "Art51Alin1LiteraC",
    "Art51Alin1LiteraD",
    "Art51Alin1LiteraE",
    "Art51Alin1LiteraF",
    "Art51Alin2",
    "Art52Alin1LiteraA",
    "Art52Alin1LiteraB",
    "Art52Alin1LiteraC",
    "Art52Alin1LiteraD",
    "Art52Alin1LiteraE",
    "Art52Alin3",
    "Art6Alin1",
    "Art52Alin1LiteraC1",
    "Art50LiteraC",
    "Art51Alin1LiteraG",
    "Art11Alin2",
    "Art31Alin1",
    "Art50LiteraA",
    "Art50LiteraB",
    "Art51Alin1LiteraH",
    "Art52Alin1LiteraF",
    "Fara",
]
TipActIdentitate = Literal[
    "CarteIdentitate",
    "Pasaport",
    "BuletinIdentitate",
    "Alt",
    "CarteDeRezidenta",
    "PermisDeSedere",
    "AltActIdentitateRomanesc",
    "AltApatridTolerat",
    "NIF",
    "CertificatInregistrare",
    "PasaportBeneficiarProtectieInternationala",
    "AvizDeAngajare",
    "DocumentDeIdentitatetemporara",
]
TipAutorizatie = Literal[
    "LucratoriPermanenti",
    "Exceptie",
    "LucratoriSezonieri",
    "LucratoriStagiari",
    "Sportivi",
    "Nominala",
    "LucratoriTransfrontalieri",
    "LucratorInaltCalificat",
    "LucratoriAuPair",
]
TipAutorizatieExceptie = Literal[
    "Art32LiteraA",
    "Art32LiteraB",
    "Art32LiteraC",
    "Art32LiteraD",
    "Art32LiteraE",
    "Art32LiteraF",
    "Art32LiteraG",
    "Art32LiteraH",
    "Art32LiteraI",
    "Art32LiteraJ",
    "Art32LiteraK",
    "Art32LiteraL",
    "Art32LiteraM",
    "Art32LiteraN",
    "Art32LiteraO",
    "Art32LiteraP",
    "Art32LiteraQ",
    "Art32LiteraR",
]
TipCalitate = Literal[
    "Reprezentant legal",
    "Imputernicit",
    "Alta",
]
TipCerere = Literal[
    "ExtrasRegistru",
    "AdeverintaVechime",
    "CerereExtrasSalariatAngajator",
    "CerereExtrasAngajator",
    "CerereExtrasSalariatAngajatorContract",
    "RaportSalariatiAngajator",
    "RaportJurnal",
    "RaportCentralizator",
    "RaportIncetari",
    "RaportContracteSalariat",
    "RaportConformitate",
    "RaportContracteSalariatHg161",
]
TipContract = Literal[
    "ContractIndividualMunca",
    "ContractUcenicie",
    "ContractMuncaLaDomiciliu",
    "ContractMuncaTemporara",
    "ContractIndividualMuncaTineriDezavantajati",
    "ContractIndividualMuncaClauzaTelemunca",
    "ContractMuncaTemporaraClauzaTelemunca",
    "DecizieDetasare",
    "ContractIndividualMuncaPlataCuOra",
    "RaportDeServiciu",
    "RaportDeServiciuCuStatutSpecial",
    "ContractDeManagement",
    "ContractDeMuncaPentruGarzi",
    "ContractDeActivitateSportiva",
    "ActAdministrativDemnitar",
    "ContractConsilierPersonalDemnitar",
]
TipDelegat = Literal[
    "Prestator",
    "Angajat",
    "ReprezentantLegalPrestator",
    "AngajatPrestator",
    "DirectorHR",
    "DirectorHRPrestator",
]
TipDocumentJustificativ = Literal[
    "HotarareJudecatoreasca",
    "ActAditional",
    "Decizie",
    "Ordin",
    "Nota",
]
TipDurata = Literal[
    "Nedeterminata",
    "Determinata",
]
TipHandicap = Literal[
    "Fara",
    "Fizic",
    "Vizual",
    "Auditiv",
    "Surdocecitate",
    "Somatic",
    "Mintal",
    "Psihic",
    "HIVSIDA",
    "Asociat",
    "BoliRare",
]
TipIdentificare = Literal[
    "CIF",
    "CNP",
    "Alta",
    "NIF",
]
TipLocMunca = Literal[
    "Fix",
    "Mobil",
]
TipMutare = Literal[
    "Transfer",
    "SchimbareLocMunca",
    "SchimbareGestiuneRegistru",
]
TipNorma = Literal[
    "NormaIntreaga",
    "TimpPartial",
    "NormaOUG132",
]
TipSistemExtern = Literal[
    "ROEID",
    "EIDAS",
    "Certificat",
    "Ghiseu",
]
TipTransfer = Literal[
    "TransferDeIntreprindere",
    "TransferIndividual",
]
TipTura = Literal[
    "T12_24",
    "T12_48",
    "T12_72",
    "Alta",
]
ZiSaptamana = Literal[
    "Luni",
    "Marti",
    "Miercuri",
    "Joi",
    "Vineri",
    "Sambata",
    "Duminica",
]


class Header(RegesModel):
    xml_type: ClassVar[str] = "Header"
    message_id: Guid = Field(alias="messageId")
    client_application: str = Field(alias="clientApplication")
    version: str = Field(alias="version")
    operation: MessageType = Field(alias="operation")
    author_id: Guid | None = Field(None, alias="authorId")
    session_id: Guid = Field(alias="sessionId")
    user: str = Field(alias="user")
    user_id: Guid | None = Field(None, alias="userId")
    timestamp: XsDateTime = Field(alias="timestamp")
    xml_names: ClassVar[dict[str, str]] = {
        "message_id": "MessageId",
        "client_application": "ClientApplication",
        "version": "Version",
        "operation": "Operation",
        "author_id": "AuthorId",
        "session_id": "SessionId",
        "user": "User",
        "user_id": "UserId",
        "timestamp": "Timestamp",
    }


class Message(RegesModel):
    xml_type: ClassVar[str] = "Message"
    header: Header = Field(alias="header")
    xml_names: ClassVar[dict[str, str]] = {"header": "Header"}
    xml_kinds: ClassVar[dict[str, str]] = {"header": "Header"}


class Info(RegesModel):
    xml_type: ClassVar[str] = "Info"
    xml_names: ClassVar[dict[str, str]] = {}


class Referinta(Info):
    xml_type: ClassVar[str] = "Referinta"
    id: Guid = Field(alias="id")
    xml_names: ClassVar[dict[str, str]] = {"id": "Id"}


class DetaliiSalariatStrain(RegesModel):
    xml_type: ClassVar[str] = "DetaliiSalariatStrain"
    data_inceput_autorizatie: XsDateTime | None = Field(None, alias="dataInceputAutorizatie")
    data_sfarsit_autorizatie: XsDateTime | None = Field(None, alias="dataSfarsitAutorizatie")
    tip_autorizatie: TipAutorizatie = Field(alias="tipAutorizatie")
    tip_autorizatie_exceptie: TipAutorizatieExceptie | None = Field(None, alias="tipAutorizatieExceptie")
    numar_autorizatie: str | None = Field(None, alias="numarAutorizatie")
    xml_names: ClassVar[dict[str, str]] = {
        "data_inceput_autorizatie": "DataInceputAutorizatie",
        "data_sfarsit_autorizatie": "DataSfarsitAutorizatie",
        "tip_autorizatie": "TipAutorizatie",
        "tip_autorizatie_exceptie": "TipAutorizatieExceptie",
        "numar_autorizatie": "NumarAutorizatie",
    }


class Localitate(RegesModel):
    xml_type: ClassVar[str] = "Localitate"
    cod_siruta: XsInt = Field(alias="codSiruta")
    xml_names: ClassVar[dict[str, str]] = {"cod_siruta": "CodSiruta"}


class Nationalitate(RegesModel):
    xml_type: ClassVar[str] = "Nationalitate"
    nume: Annotated[str, Field(max_length=256)] = Field(alias="nume")
    xml_names: ClassVar[dict[str, str]] = {"nume": "Nume"}


class InfoSalariat(Info):
    xml_type: ClassVar[str] = "InfoSalariat"
    adresa: Annotated[str, Field(max_length=256)] = Field(alias="adresa")
    apatrid: Apatrid | None = Field(None, alias="apatrid")
    cnp: Annotated[str, Field(max_length=256)] = Field(alias="cnp")
    cnp_vechi: Annotated[str, Field(max_length=256)] | None = Field(None, alias="cnpVechi")
    detalii_salariat_strain: DetaliiSalariatStrain | None = Field(None, alias="detaliiSalariatStrain")
    localitate: Localitate | None = Field(None, alias="localitate")
    localitate_salariat_strain: Annotated[str, Field(max_length=256)] | None = Field(
        None, alias="localitateSalariatStrain"
    )
    mentiuni: Annotated[str, Field(max_length=256)] | None = Field(None, alias="mentiuni")
    nationalitate: Nationalitate | None = Field(None, alias="nationalitate")
    nume: Annotated[str, Field(max_length=256)] = Field(alias="nume")
    prenume: Annotated[str, Field(max_length=256)] = Field(alias="prenume")
    data_nastere: XsDateTime | None = Field(None, alias="dataNastere")
    tara_domiciliu: Nationalitate = Field(alias="taraDomiciliu")
    tip_act_identitate: TipActIdentitate = Field(alias="tipActIdentitate")
    radiat: bool | None = Field(None, alias="radiat")
    motiv_radiere: str | None = Field(None, alias="motivRadiere")
    tip_handicap: TipHandicap | None = Field(None, alias="tipHandicap")
    grad_handicap: GradHandicap | None = Field(None, alias="gradHandicap")
    grad_invaliditate: GradInvaliditate | None = Field(None, alias="gradInvaliditate")
    data_certificat_handicap: XsDateTime | None = Field(None, alias="dataCertificatHandicap")
    numar_certificat_handicap: str | None = Field(None, alias="numarCertificatHandicap")
    data_valabilitate_certificat_handicap: XsDateTime | None = Field(
        None, alias="dataValabilitateCertificatHandicap"
    )
    xml_names: ClassVar[dict[str, str]] = {
        "adresa": "Adresa",
        "apatrid": "Apatrid",
        "cnp": "Cnp",
        "cnp_vechi": "CnpVechi",
        "detalii_salariat_strain": "DetaliiSalariatStrain",
        "localitate": "Localitate",
        "localitate_salariat_strain": "LocalitateSalariatStrain",
        "mentiuni": "Mentiuni",
        "nationalitate": "Nationalitate",
        "nume": "Nume",
        "prenume": "Prenume",
        "data_nastere": "DataNastere",
        "tara_domiciliu": "TaraDomiciliu",
        "tip_act_identitate": "TipActIdentitate",
        "radiat": "Radiat",
        "motiv_radiere": "MotivRadiere",
        "tip_handicap": "TipHandicap",
        "grad_handicap": "GradHandicap",
        "grad_invaliditate": "GradInvaliditate",
        "data_certificat_handicap": "DataCertificatHandicap",
        "numar_certificat_handicap": "NumarCertificatHandicap",
        "data_valabilitate_certificat_handicap": "DataValabilitateCertificatHandicap",
    }
    xml_kinds: ClassVar[dict[str, str]] = {
        "detalii_salariat_strain": "DetaliiSalariatStrain",
        "localitate": "Localitate",
        "nationalitate": "Nationalitate",
        "tara_domiciliu": "Nationalitate",
    }


class Salariat(Message):
    xml_type: ClassVar[str] = "Salariat"
    referinta_salariat: Referinta | None = Field(None, alias="referintaSalariat")
    info: InfoSalariat = Field(alias="info")
    xml_names: ClassVar[dict[str, str]] = {"referinta_salariat": "ReferintaSalariat", "info": "Info"}
    xml_kinds: ClassVar[dict[str, str]] = {"referinta_salariat": "Referinta", "info": "InfoSalariat"}


class Actiune(RegesModel):
    xml_type: ClassVar[str] = "Actiune"
    data_incetare_detasare: XsDateTime | None = Field(None, alias="dataIncetareDetasare")
    data_incetare_suspendare: XsDateTime | None = Field(None, alias="dataIncetareSuspendare")
    xml_names: ClassVar[dict[str, str]] = {
        "data_incetare_detasare": "DataIncetareDetasare",
        "data_incetare_suspendare": "DataIncetareSuspendare",
    }


class ActiuneMutare(Actiune):
    xml_type: ClassVar[str] = "ActiuneMutare"
    angajator_cui: Annotated[str, Field(max_length=256)] = Field(alias="angajatorCui")
    angajator_nume: Annotated[str, Field(max_length=256)] = Field(alias="angajatorNume")
    data_mutare: XsDateTime = Field(alias="dataMutare")
    temei_legal: Annotated[str, Field(max_length=256)] | None = Field(None, alias="temeiLegal")
    tip_mutare: TipMutare = Field(alias="tipMutare")
    tip_transfer: TipTransfer | None = Field(None, alias="tipTransfer")
    xml_names: ClassVar[dict[str, str]] = {
        "angajator_cui": "AngajatorCui",
        "angajator_nume": "AngajatorNume",
        "data_mutare": "DataMutare",
        "temei_legal": "TemeiLegal",
        "tip_mutare": "TipMutare",
        "tip_transfer": "TipTransfer",
    }


class ActiuneActiv(Actiune):
    xml_type: ClassVar[str] = "ActiuneActiv"
    xml_names: ClassVar[dict[str, str]] = {}


class ActiuneReactivare(ActiuneActiv):
    xml_type: ClassVar[str] = "ActiuneReactivare"
    data_reactivare: XsDateTime = Field(alias="dataReactivare")
    explicatie: Annotated[str, Field(max_length=1024)] | None = Field(None, alias="explicatie")
    temei_legal: TemeiReactivare = Field(alias="temeiLegal")
    xml_names: ClassVar[dict[str, str]] = {
        "data_reactivare": "DataReactivare",
        "explicatie": "Explicatie",
        "temei_legal": "TemeiLegal",
    }


class ActiuneSuspendare(Actiune):
    xml_type: ClassVar[str] = "ActiuneSuspendare"
    data_inceput: XsDateTime = Field(alias="dataInceput")
    data_incetare: XsDateTime | None = Field(None, alias="dataIncetare")
    data_sfarsit: XsDateTime | None = Field(None, alias="dataSfarsit")
    explicatie: Annotated[str, Field(max_length=1024)] | None = Field(None, alias="explicatie")
    temei_legal: TemeiSuspendare = Field(alias="temeiLegal")
    xml_names: ClassVar[dict[str, str]] = {
        "data_inceput": "DataInceput",
        "data_incetare": "DataIncetare",
        "data_sfarsit": "DataSfarsit",
        "explicatie": "Explicatie",
        "temei_legal": "TemeiLegal",
    }


class ActiuneIncetare(Actiune):
    xml_type: ClassVar[str] = "ActiuneIncetare"
    data_incetare: XsDateTime = Field(alias="dataIncetare")
    explicatie: Annotated[str, Field(max_length=1024)] | None = Field(None, alias="explicatie")
    temei_legal: TemeiIncetare = Field(alias="temeiLegal")
    xml_names: ClassVar[dict[str, str]] = {
        "data_incetare": "DataIncetare",
        "explicatie": "Explicatie",
        "temei_legal": "TemeiLegal",
    }


class Cor(RegesModel):
    xml_type: ClassVar[str] = "Cor"
    cod: XsInt = Field(alias="cod")
    versiune: XsInt = Field(alias="versiune")
    xml_names: ClassVar[dict[str, str]] = {"cod": "Cod", "versiune": "Versiune"}


class ActiuneDetasare(Actiune):
    xml_type: ClassVar[str] = "ActiuneDetasare"
    temei_detasare: TemeiDetasare = Field(alias="temeiDetasare")
    angajator_cui: Annotated[str, Field(max_length=256)] = Field(alias="angajatorCui")
    angajator_nume: Annotated[str, Field(max_length=256)] = Field(alias="angajatorNume")
    cor: Cor = Field(alias="cor")
    data_inceput: XsDateTime = Field(alias="dataInceput")
    data_incetare: XsDateTime | None = Field(None, alias="dataIncetare")
    data_sfarsit: XsDateTime = Field(alias="dataSfarsit")
    nationalitate: Nationalitate = Field(alias="nationalitate")
    xml_names: ClassVar[dict[str, str]] = {
        "temei_detasare": "TemeiDetasare",
        "angajator_cui": "AngajatorCui",
        "angajator_nume": "AngajatorNume",
        "cor": "Cor",
        "data_inceput": "DataInceput",
        "data_incetare": "DataIncetare",
        "data_sfarsit": "DataSfarsit",
        "nationalitate": "Nationalitate",
    }
    xml_kinds: ClassVar[dict[str, str]] = {"cor": "Cor", "nationalitate": "Nationalitate"}


class ContractMutareDetalii(RegesModel):
    xml_type: ClassVar[str] = "ContractMutareDetalii"
    angajator_sursa_cui: Annotated[str, Field(max_length=256)] = Field(alias="angajatorSursaCui")
    angajator_sursa_denumire: Annotated[str, Field(max_length=256)] = Field(alias="angajatorSursaDenumire")
    data_import: XsDateTime = Field(alias="dataImport")
    tip_mutare: TipMutare = Field(alias="tipMutare")
    tip_transfer: TipTransfer | None = Field(None, alias="tipTransfer")
    xml_names: ClassVar[dict[str, str]] = {
        "angajator_sursa_cui": "AngajatorSursaCui",
        "angajator_sursa_denumire": "AngajatorSursaDenumire",
        "data_import": "DataImport",
        "tip_mutare": "TipMutare",
        "tip_transfer": "TipTransfer",
    }


class TipSpor(RegesModel):
    xml_type: ClassVar[str] = "TipSpor"
    referinta: Referinta | None = Field(None, alias="referinta")
    nume: Annotated[str, Field(max_length=256)] = Field(alias="nume")
    xml_names: ClassVar[dict[str, str]] = {"referinta": "Referinta", "nume": "Nume"}
    xml_kinds: ClassVar[dict[str, str]] = {"referinta": "Referinta"}


class TipSporAngajator(TipSpor):
    xml_type: ClassVar[str] = "TipSporAngajator"
    xml_names: ClassVar[dict[str, str]] = {}


class TipSporPredefinit(TipSpor):
    xml_type: ClassVar[str] = "TipSporPredefinit"
    versiune: XsInt = Field(alias="versiune")
    xml_names: ClassVar[dict[str, str]] = {"versiune": "Versiune"}


class Spor(RegesModel):
    xml_type: ClassVar[str] = "Spor"
    referinta_spor: Referinta | None = Field(None, alias="referintaSpor")
    is_procent: bool | None = Field(None, alias="isProcent")
    tip: TipSporAny = Field(alias="tip")
    valoare: float = Field(alias="valoare")
    valoare_valuta: float | None = Field(None, alias="valoareValuta")
    moneda: Moneda | None = Field(None, alias="moneda")
    xml_names: ClassVar[dict[str, str]] = {
        "referinta_spor": "ReferintaSpor",
        "is_procent": "IsProcent",
        "tip": "Tip",
        "valoare": "Valoare",
        "valoare_valuta": "ValoareValuta",
        "moneda": "Moneda",
    }
    xml_kinds: ClassVar[dict[str, str]] = {"referinta_spor": "Referinta", "tip": "TipSpor"}


class ArrayOfSpor(RegesModel):
    xml_type: ClassVar[str] = "ArrayOfSpor"
    spor: list[Spor] = Field(alias="spor")
    xml_names: ClassVar[dict[str, str]] = {"spor": "Spor"}
    xml_kinds: ClassVar[dict[str, str]] = {"spor": "Spor"}


class TimpMunca(RegesModel):
    xml_type: ClassVar[str] = "TimpMunca"
    durata: float | None = Field(None, alias="durata")
    interval_timp: RepartizareIntervalTimp | None = Field(None, alias="intervalTimp")
    norma: NormaTimpMunca = Field(alias="norma")
    repartizare: RepartizareTimpMunca = Field(alias="repartizare")
    tip_tura: TipTura | None = Field(None, alias="tipTura")
    observatii_tip_tura_alta: str | None = Field(None, alias="observatiiTipTuraAlta")
    repartizare_munca: RepartizareMunca | None = Field(None, alias="repartizareMunca")
    nota_repartizare_munca: str | None = Field(None, alias="notaRepartizareMunca")
    zile_saptamana: list[ZiSaptamana] | None = Field(None, alias="zileSaptamana")
    inceput_interval: XsDateTime | None = Field(None, alias="inceputInterval")
    sfarsit_interval: XsDateTime | None = Field(None, alias="sfarsitInterval")
    xml_names: ClassVar[dict[str, str]] = {
        "durata": "Durata",
        "interval_timp": "IntervalTimp",
        "norma": "Norma",
        "repartizare": "Repartizare",
        "tip_tura": "TipTura",
        "observatii_tip_tura_alta": "ObservatiiTipTuraAlta",
        "repartizare_munca": "RepartizareMunca",
        "nota_repartizare_munca": "NotaRepartizareMunca",
        "zile_saptamana": "ZileSaptamana",
        "inceput_interval": "InceputInterval",
        "sfarsit_interval": "SfarsitInterval",
    }


class DetaliiL153(RegesModel):
    xml_type: ClassVar[str] = "DetaliiL153"
    anexa_l153: str | None = Field(None, alias="anexaL153")
    capitol_l153: str | None = Field(None, alias="capitolL153")
    litera_l153: str | None = Field(None, alias="literaL153")
    clasificare_suplimentara_l153: str | None = Field(None, alias="clasificareSuplimentaraL153")
    functie_l153: str | None = Field(None, alias="functieL153")
    specialitate_functie_l153: str | None = Field(None, alias="specialitateFunctieL153")
    structura_aprobata_l153: str | None = Field(None, alias="structuraAprobataL153")
    specialitate_structura_aprobata_l153: str | None = Field(None, alias="specialitateStructuraAprobataL153")
    grad_profesional_l153: str | None = Field(None, alias="gradProfesionalL153")
    gradatie_l153: str | None = Field(None, alias="gradatieL153")
    denumire_alta_functie_l153: str | None = Field(None, alias="denumireAltaFunctieL153")
    explicatie_functie_l153: str | None = Field(None, alias="explicatieFunctieL153")
    alt_grad_profesional_l153: str | None = Field(None, alias="altGradProfesionalL153")
    xml_names: ClassVar[dict[str, str]] = {
        "anexa_l153": "AnexaL153",
        "capitol_l153": "CapitolL153",
        "litera_l153": "LiteraL153",
        "clasificare_suplimentara_l153": "ClasificareSuplimentaraL153",
        "functie_l153": "FunctieL153",
        "specialitate_functie_l153": "SpecialitateFunctieL153",
        "structura_aprobata_l153": "StructuraAprobataL153",
        "specialitate_structura_aprobata_l153": "SpecialitateStructuraAprobataL153",
        "grad_profesional_l153": "GradProfesionalL153",
        "gradatie_l153": "GradatieL153",
        "denumire_alta_functie_l153": "DenumireAltaFunctieL153",
        "explicatie_functie_l153": "ExplicatieFunctieL153",
        "alt_grad_profesional_l153": "AltGradProfesionalL153",
    }


class ContinutContract(Info):
    xml_type: ClassVar[str] = "ContinutContract"
    referinta_salariat: Referinta = Field(alias="referintaSalariat")
    cor: Cor = Field(alias="cor")
    data_consemnare: XsDateTime = Field(alias="dataConsemnare")
    data_contract: XsDateTime = Field(alias="dataContract")
    data_inceput_contract: XsDateTime = Field(alias="dataInceputContract")
    data_sfarsit_contract: XsDateTime | None = Field(None, alias="dataSfarsitContract")
    date_contract_vechi: Annotated[str, Field(max_length=256)] | None = Field(None, alias="dateContractVechi")
    detalii: Annotated[str, Field(max_length=1024)] | None = Field(None, alias="detalii")
    detalii_mutare: ContractMutareDetalii | None = Field(None, alias="detaliiMutare")
    exceptie_data_sfarsit: ExceptieDataSfarsit | None = Field(None, alias="exceptieDataSfarsit")
    numar_contract: Annotated[str, Field(max_length=256)] = Field(alias="numarContract")
    numere_contract_vechi: Annotated[str, Field(max_length=256)] | None = Field(
        None, alias="numereContractVechi"
    )
    radiat: bool = Field(alias="radiat")
    motiv_radiere: str | None = Field(None, alias="motivRadiere")
    salariu: XsInt = Field(alias="salariu")
    salariu_valuta: XsInt | None = Field(None, alias="salariuValuta")
    moneda: Moneda | None = Field(None, alias="moneda")
    sporuri_salariu: list[Spor] | None = Field(None, alias="sporuriSalariu")
    stare_curenta: ActiuneAny = Field(alias="stareCurenta")
    timp_munca: TimpMunca = Field(alias="timpMunca")
    tip_contract: TipContract = Field(alias="tipContract")
    tip_durata: TipDurata = Field(alias="tipDurata")
    tip_norma: TipNorma = Field(alias="tipNorma")
    tip_loc_munca: TipLocMunca | None = Field(None, alias="tipLocMunca")
    judet_loc_munca: str | None = Field(None, alias="judetLocMunca")
    localitate_loc_munca: Localitate | None = Field(None, alias="localitateLocMunca")
    nivel_studii: NivelStudii | None = Field(None, alias="nivelStudii")
    aplica_l153: bool | None = Field(None, alias="aplicaL153")
    detalii_l153: DetaliiL153 | None = Field(None, alias="detaliiL153")
    tip_handicap: TipHandicap | None = Field(None, alias="tipHandicap")
    grad_handicap: GradHandicap | None = Field(None, alias="gradHandicap")
    grad_invaliditate: GradInvaliditate | None = Field(None, alias="gradInvaliditate")
    data_certificat_handicap: XsDateTime | None = Field(None, alias="dataCertificatHandicap")
    numar_certificat_handicap: str | None = Field(None, alias="numarCertificatHandicap")
    data_valabilitate_certificat_handicap: XsDateTime | None = Field(
        None, alias="dataValabilitateCertificatHandicap"
    )
    cui_utilizator: str | None = Field(None, alias="cuiUtilizator")
    nume_utilizator: str | None = Field(None, alias="numeUtilizator")
    nationalitate_utilizator: Nationalitate | None = Field(None, alias="nationalitateUtilizator")
    xml_names: ClassVar[dict[str, str]] = {
        "referinta_salariat": "ReferintaSalariat",
        "cor": "Cor",
        "data_consemnare": "DataConsemnare",
        "data_contract": "DataContract",
        "data_inceput_contract": "DataInceputContract",
        "data_sfarsit_contract": "DataSfarsitContract",
        "date_contract_vechi": "DateContractVechi",
        "detalii": "Detalii",
        "detalii_mutare": "DetaliiMutare",
        "exceptie_data_sfarsit": "ExceptieDataSfarsit",
        "numar_contract": "NumarContract",
        "numere_contract_vechi": "NumereContractVechi",
        "radiat": "Radiat",
        "motiv_radiere": "MotivRadiere",
        "salariu": "Salariu",
        "salariu_valuta": "SalariuValuta",
        "moneda": "Moneda",
        "sporuri_salariu": "SporuriSalariu",
        "stare_curenta": "StareCurenta",
        "timp_munca": "TimpMunca",
        "tip_contract": "TipContract",
        "tip_durata": "TipDurata",
        "tip_norma": "TipNorma",
        "tip_loc_munca": "TipLocMunca",
        "judet_loc_munca": "JudetLocMunca",
        "localitate_loc_munca": "LocalitateLocMunca",
        "nivel_studii": "NivelStudii",
        "aplica_l153": "AplicaL153",
        "detalii_l153": "DetaliiL153",
        "tip_handicap": "TipHandicap",
        "grad_handicap": "GradHandicap",
        "grad_invaliditate": "GradInvaliditate",
        "data_certificat_handicap": "DataCertificatHandicap",
        "numar_certificat_handicap": "NumarCertificatHandicap",
        "data_valabilitate_certificat_handicap": "DataValabilitateCertificatHandicap",
        "cui_utilizator": "CuiUtilizator",
        "nume_utilizator": "NumeUtilizator",
        "nationalitate_utilizator": "NationalitateUtilizator",
    }
    xml_kinds: ClassVar[dict[str, str]] = {
        "referinta_salariat": "Referinta",
        "cor": "Cor",
        "detalii_mutare": "ContractMutareDetalii",
        "sporuri_salariu": "Spor",
        "stare_curenta": "Actiune",
        "timp_munca": "TimpMunca",
        "localitate_loc_munca": "Localitate",
        "detalii_l153": "DetaliiL153",
        "nationalitate_utilizator": "Nationalitate",
    }
    xml_items: ClassVar[dict[str, str]] = {"sporuri_salariu": "Spor"}


class DocumentJustificativ(RegesModel):
    xml_type: ClassVar[str] = "DocumentJustificativ"
    tip_document_justificativ: TipDocumentJustificativ = Field(alias="tipDocumentJustificativ")
    numar_document_justificativ: str = Field(alias="numarDocumentJustificativ")
    data_document_justificativ: XsDateTime = Field(alias="dataDocumentJustificativ")
    xml_names: ClassVar[dict[str, str]] = {
        "tip_document_justificativ": "TipDocumentJustificativ",
        "numar_document_justificativ": "NumarDocumentJustificativ",
        "data_document_justificativ": "DataDocumentJustificativ",
    }


class Contract(Message):
    xml_type: ClassVar[str] = "Contract"
    actiune: ActiuneAny | None = Field(None, alias="actiune")
    referinta_contract: Referinta | None = Field(None, alias="referintaContract")
    continut: ContinutContract | None = Field(None, alias="continut")
    document_justificativ: DocumentJustificativ | None = Field(None, alias="documentJustificativ")
    motiv_radiere: str | None = Field(None, alias="motivRadiere")
    xml_names: ClassVar[dict[str, str]] = {
        "actiune": "Actiune",
        "referinta_contract": "ReferintaContract",
        "continut": "Continut",
        "document_justificativ": "DocumentJustificativ",
        "motiv_radiere": "MotivRadiere",
    }
    xml_kinds: ClassVar[dict[str, str]] = {
        "actiune": "Actiune",
        "referinta_contract": "Referinta",
        "continut": "ContinutContract",
        "document_justificativ": "DocumentJustificativ",
    }


class PropunereDetasareContract(Message):
    xml_type: ClassVar[str] = "PropunereDetasareContract"
    referinta: Referinta | None = Field(None, alias="referinta")
    referinta_contract: Referinta | None = Field(None, alias="referintaContract")
    temei_detasare: TemeiDetasare | None = Field(None, alias="temeiDetasare")
    cui_angajator_destinatie: str | None = Field(None, alias="cuiAngajatorDestinatie")
    nume_angajator_destinatie: str | None = Field(None, alias="numeAngajatorDestinatie")
    nationalitate_angajator_destinatie: Nationalitate | None = Field(
        None, alias="nationalitateAngajatorDestinatie"
    )
    cui_angajator_sursa: str | None = Field(None, alias="cuiAngajatorSursa")
    nume_angajator_sursa: str | None = Field(None, alias="numeAngajatorSursa")
    continut_contract: ContinutContract | None = Field(None, alias="continutContract")
    info_salariat: InfoSalariat | None = Field(None, alias="infoSalariat")
    data_propunere: XsDateTime | None = Field(None, alias="dataPropunere")
    numar_propunere: str | None = Field(None, alias="numarPropunere")
    note_sursa: str | None = Field(None, alias="noteSursa")
    note_destinatie: str | None = Field(None, alias="noteDestinatie")
    data_inceput: XsDateTime | None = Field(None, alias="dataInceput")
    data_sfarsit: XsDateTime | None = Field(None, alias="dataSfarsit")
    data_incetare: XsDateTime | None = Field(None, alias="dataIncetare")
    xml_names: ClassVar[dict[str, str]] = {
        "referinta": "Referinta",
        "referinta_contract": "ReferintaContract",
        "temei_detasare": "TemeiDetasare",
        "cui_angajator_destinatie": "CUIAngajatorDestinatie",
        "nume_angajator_destinatie": "NumeAngajatorDestinatie",
        "nationalitate_angajator_destinatie": "NationalitateAngajatorDestinatie",
        "cui_angajator_sursa": "CUIAngajatorSursa",
        "nume_angajator_sursa": "NumeAngajatorSursa",
        "continut_contract": "ContinutContract",
        "info_salariat": "InfoSalariat",
        "data_propunere": "DataPropunere",
        "numar_propunere": "NumarPropunere",
        "note_sursa": "NoteSursa",
        "note_destinatie": "NoteDestinatie",
        "data_inceput": "DataInceput",
        "data_sfarsit": "DataSfarsit",
        "data_incetare": "DataIncetare",
    }
    xml_kinds: ClassVar[dict[str, str]] = {
        "referinta": "Referinta",
        "referinta_contract": "Referinta",
        "nationalitate_angajator_destinatie": "Nationalitate",
        "continut_contract": "ContinutContract",
        "info_salariat": "InfoSalariat",
    }


class PropunereMutareContract(Message):
    xml_type: ClassVar[str] = "PropunereMutareContract"
    referinta: Referinta | None = Field(None, alias="referinta")
    referinta_contract: Referinta | None = Field(None, alias="referintaContract")
    tip_mutare: TipMutare | None = Field(None, alias="tipMutare")
    tip_transfer: TipTransfer | None = Field(None, alias="tipTransfer")
    cui_angajator_destinatie: str | None = Field(None, alias="cuiAngajatorDestinatie")
    nume_angajator_destinatie: str | None = Field(None, alias="numeAngajatorDestinatie")
    id_angajator_destinatie: Referinta | None = Field(None, alias="idAngajatorDestinatie")
    nationalitate_angajator_destinatie: Nationalitate | None = Field(
        None, alias="nationalitateAngajatorDestinatie"
    )
    cui_angajator_sursa: str | None = Field(None, alias="cuiAngajatorSursa")
    nume_angajator_sursa: str | None = Field(None, alias="numeAngajatorSursa")
    continut_contract: ContinutContract | None = Field(None, alias="continutContract")
    info_salariat: InfoSalariat | None = Field(None, alias="infoSalariat")
    data_propunere: XsDateTime | None = Field(None, alias="dataPropunere")
    numar_propunere: str | None = Field(None, alias="numarPropunere")
    note_sursa: str | None = Field(None, alias="noteSursa")
    note_destinatie: str | None = Field(None, alias="noteDestinatie")
    data_inceput: XsDateTime | None = Field(None, alias="dataInceput")
    data_sfarsit: XsDateTime | None = Field(None, alias="dataSfarsit")
    data_incetare: XsDateTime | None = Field(None, alias="dataIncetare")
    xml_names: ClassVar[dict[str, str]] = {
        "referinta": "Referinta",
        "referinta_contract": "ReferintaContract",
        "tip_mutare": "TipMutare",
        "tip_transfer": "TipTransfer",
        "cui_angajator_destinatie": "CUIAngajatorDestinatie",
        "nume_angajator_destinatie": "NumeAngajatorDestinatie",
        "id_angajator_destinatie": "IdAngajatorDestinatie",
        "nationalitate_angajator_destinatie": "NationalitateAngajatorDestinatie",
        "cui_angajator_sursa": "CUIAngajatorSursa",
        "nume_angajator_sursa": "NumeAngajatorSursa",
        "continut_contract": "ContinutContract",
        "info_salariat": "InfoSalariat",
        "data_propunere": "DataPropunere",
        "numar_propunere": "NumarPropunere",
        "note_sursa": "NoteSursa",
        "note_destinatie": "NoteDestinatie",
        "data_inceput": "DataInceput",
        "data_sfarsit": "DataSfarsit",
        "data_incetare": "DataIncetare",
    }
    xml_kinds: ClassVar[dict[str, str]] = {
        "referinta": "Referinta",
        "referinta_contract": "Referinta",
        "id_angajator_destinatie": "Referinta",
        "nationalitate_angajator_destinatie": "Nationalitate",
        "continut_contract": "ContinutContract",
        "info_salariat": "InfoSalariat",
    }


class MessageResponse(Message):
    xml_type: ClassVar[str] = "MessageResponse"
    response_id: Guid = Field(alias="responseId")
    xml_names: ClassVar[dict[str, str]] = {"response_id": "ResponseId"}


class Result(RegesModel):
    xml_type: ClassVar[str] = "Result"
    code: ResultCode = Field(alias="code")
    code_type: ResultCodeType = Field(alias="codeType")
    sign: ResultSign | None = Field(None, alias="sign")
    description: str | None = Field(None, alias="description")
    ref: Guid | None = Field(None, alias="ref")
    sec_ref: Guid | None = Field(None, alias="secRef")
    related_results_expected: bool = Field(alias="relatedResultsExpected")
    xml_names: ClassVar[dict[str, str]] = {
        "code": "Code",
        "code_type": "CodeType",
        "sign": "Sign",
        "description": "Description",
        "ref": "Ref",
        "sec_ref": "SecRef",
        "related_results_expected": "RelatedResultsExpected",
    }


class MessageResult(MessageResponse):
    xml_type: ClassVar[str] = "MessageResult"
    result: Result = Field(alias="result")
    xml_names: ClassVar[dict[str, str]] = {"result": "Result"}
    xml_kinds: ClassVar[dict[str, str]] = {"result": "Result"}


class Contact(RegesModel):
    xml_type: ClassVar[str] = "Contact"
    email: Annotated[str, Field(max_length=256)] | None = Field(None, alias="email")
    fax: Annotated[str, Field(max_length=256)] | None = Field(None, alias="fax")
    reprezentant_legal: Annotated[str, Field(max_length=256)] | None = Field(None, alias="reprezentantLegal")
    telefon: Annotated[str, Field(max_length=256)] | None = Field(None, alias="telefon")
    xml_names: ClassVar[dict[str, str]] = {
        "email": "Email",
        "fax": "Fax",
        "reprezentant_legal": "ReprezentantLegal",
        "telefon": "Telefon",
    }


class DomeniuActivitate(RegesModel):
    xml_type: ClassVar[str] = "DomeniuActivitate"
    cod: Annotated[str, Field(max_length=256)] = Field(alias="cod")
    versiune: XsInt = Field(alias="versiune")
    xml_names: ClassVar[dict[str, str]] = {"cod": "Cod", "versiune": "Versiune"}


class DetaliiAngajator(RegesModel):
    xml_type: ClassVar[str] = "DetaliiAngajator"
    domeniu_activitate: DomeniuActivitate | None = Field(None, alias="domeniuActivitate")
    nume: Annotated[str, Field(max_length=256)] = Field(alias="nume")
    alias: Annotated[str, Field(max_length=500)] | None = Field(None, alias="alias")
    xml_names: ClassVar[dict[str, str]] = {
        "domeniu_activitate": "DomeniuActivitate",
        "nume": "Nume",
        "alias": "Alias",
    }
    xml_kinds: ClassVar[dict[str, str]] = {"domeniu_activitate": "DomeniuActivitate"}


class DetaliiAngajatorPersoanaJuridica(DetaliiAngajator):
    xml_type: ClassVar[str] = "DetaliiAngajatorPersoanaJuridica"
    cui: Annotated[str, Field(max_length=256)] = Field(alias="cui")
    cui_parinte: Annotated[str, Field(max_length=256)] | None = Field(None, alias="cuiParinte")
    forma_juridica_pj: FormaJuridicaPJ = Field(alias="formaJuridicaPJ")
    forma_organizare_pj: FormaOrganizarePJ | None = Field(None, alias="formaOrganizarePJ")
    forma_proprietate: FormaProprietate = Field(alias="formaProprietate")
    nivel_infiintare: NivelInfiintare | None = Field(None, alias="nivelInfiintare")
    nume_parinte: Annotated[str, Field(max_length=256)] | None = Field(None, alias="numeParinte")
    xml_names: ClassVar[dict[str, str]] = {
        "cui": "Cui",
        "cui_parinte": "CuiParinte",
        "forma_juridica_pj": "FormaJuridicaPJ",
        "forma_organizare_pj": "FormaOrganizarePJ",
        "forma_proprietate": "FormaProprietate",
        "nivel_infiintare": "NivelInfiintare",
        "nume_parinte": "NumeParinte",
    }


class DetaliiAngajatorPersoanaFizica(DetaliiAngajator):
    xml_type: ClassVar[str] = "DetaliiAngajatorPersoanaFizica"
    act_identitate_pf: ActIdentitatePF = Field(alias="actIdentitatePF")
    cnp: Annotated[str, Field(max_length=256)] = Field(alias="cnp")
    forma_juridica_pf: FormaJuridicaPF = Field(alias="formaJuridicaPF")
    forma_organizare_pf: FormaOrganizarePF | None = Field(None, alias="formaOrganizarePF")
    nationalitate: Nationalitate = Field(alias="nationalitate")
    xml_names: ClassVar[dict[str, str]] = {
        "act_identitate_pf": "ActIdentitatePF",
        "cnp": "Cnp",
        "forma_juridica_pf": "FormaJuridicaPF",
        "forma_organizare_pf": "FormaOrganizarePF",
        "nationalitate": "Nationalitate",
    }
    xml_kinds: ClassVar[dict[str, str]] = {"nationalitate": "Nationalitate"}


class InfoAngajator(Info):
    xml_type: ClassVar[str] = "InfoAngajator"
    adresa: Annotated[str, Field(max_length=256)] = Field(alias="adresa")
    contact: Contact | None = Field(None, alias="contact")
    detalii: DetaliiAngajatorAny = Field(alias="detalii")
    localitate: Localitate = Field(alias="localitate")
    conform_l153: bool | None = Field(None, alias="conformL153")
    xml_names: ClassVar[dict[str, str]] = {
        "adresa": "Adresa",
        "contact": "Contact",
        "detalii": "Detalii",
        "localitate": "Localitate",
        "conform_l153": "ConformL153",
    }
    xml_kinds: ClassVar[dict[str, str]] = {
        "contact": "Contact",
        "detalii": "DetaliiAngajator",
        "localitate": "Localitate",
    }


class Angajator(Message):
    xml_type: ClassVar[str] = "Angajator"
    referinta_angajator: Referinta | None = Field(None, alias="referintaAngajator")
    info: InfoAngajator = Field(alias="info")
    xml_names: ClassVar[dict[str, str]] = {"referinta_angajator": "ReferintaAngajator", "info": "Info"}
    xml_kinds: ClassVar[dict[str, str]] = {"referinta_angajator": "Referinta", "info": "InfoAngajator"}


class Fisier(RegesModel):
    xml_type: ClassVar[str] = "Fisier"
    nume: str = Field(alias="nume")
    tip: str | None = Field(None, alias="tip")
    id: Guid | None = Field(None, alias="id")
    xml_names: ClassVar[dict[str, str]] = {"nume": "Nume", "tip": "Tip", "id": "Id"}


class CerereAccesRegistru(Message):
    xml_type: ClassVar[str] = "CerereAccesRegistru"
    calitate: TipCalitate = Field(alias="calitate")
    identificare: TipIdentificare = Field(alias="identificare")
    numar: str = Field(alias="numar")
    declaratie: str = Field(alias="declaratie")
    fisier: list[Fisier] | None = Field(None, alias="fisier")
    info_angajator: InfoAngajator | None = Field(None, alias="infoAngajator")
    utilizator: str | None = Field(None, alias="utilizator")
    parola: str | None = Field(None, alias="parola")
    parola_noua: str | None = Field(None, alias="parolaNoua")
    xml_names: ClassVar[dict[str, str]] = {
        "calitate": "Calitate",
        "identificare": "Identificare",
        "numar": "Numar",
        "declaratie": "Declaratie",
        "fisier": "Fisier",
        "info_angajator": "InfoAngajator",
        "utilizator": "Utilizator",
        "parola": "Parola",
        "parola_noua": "ParolaNoua",
    }
    xml_kinds: ClassVar[dict[str, str]] = {"fisier": "Fisier", "info_angajator": "InfoAngajator"}


class DreptAccesRegistru(Message):
    xml_type: ClassVar[str] = "DreptAccesRegistru"
    numar: str = Field(alias="numar")
    xml_names: ClassVar[dict[str, str]] = {"numar": "Numar"}


class IncetareAccesRegistru(Message):
    xml_type: ClassVar[str] = "IncetareAccesRegistru"
    cif_cnp: str = Field(alias="cifCnp")
    cif_cnp_delegat: str = Field(alias="cifCnpDelegat")
    data_incetare: XsDate | None = Field(None, alias="dataIncetare")
    xml_names: ClassVar[dict[str, str]] = {
        "cif_cnp": "CifCnp",
        "cif_cnp_delegat": "CifCnpDelegat",
        "data_incetare": "DataIncetare",
    }


class CerereAccesCont(Message):
    xml_type: ClassVar[str] = "CerereAccesCont"
    tip_act_identitate: TipActIdentitate = Field(alias="tipActIdentitate")
    numar_document: str = Field(alias="numarDocument")
    data_nastere: XsDateTime = Field(alias="dataNastere")
    declaratie: str = Field(alias="declaratie")
    fisier: list[Fisier] = Field(alias="fisier")
    judet: str | None = Field(None, alias="judet")
    tip_sistem_extern: TipSistemExtern | None = Field(None, alias="tipSistemExtern")
    nume: str = Field(alias="nume")
    prenume: str = Field(alias="prenume")
    xml_names: ClassVar[dict[str, str]] = {
        "tip_act_identitate": "TipActIdentitate",
        "numar_document": "NumarDocument",
        "data_nastere": "DataNastere",
        "declaratie": "Declaratie",
        "fisier": "Fisier",
        "judet": "Judet",
        "tip_sistem_extern": "TipSistemExtern",
        "nume": "Nume",
        "prenume": "Prenume",
    }
    xml_kinds: ClassVar[dict[str, str]] = {"fisier": "Fisier"}


class CerereDelegareAccesRegistru(Message):
    xml_type: ClassVar[str] = "CerereDelegareAccesRegistru"
    calitate: TipCalitate = Field(alias="calitate")
    identificare: TipIdentificare = Field(alias="identificare")
    numar: str = Field(alias="numar")
    delegat: TipDelegat = Field(alias="delegat")
    numar_delegat: str = Field(alias="numarDelegat")
    declaratie: str = Field(alias="declaratie")
    mentiuni: str = Field(alias="mentiuni")
    data_inceput: XsDate | None = Field(None, alias="dataInceput")
    data_sfarsit: XsDate | None = Field(None, alias="dataSfarsit")
    numar_contract: str | None = Field(None, alias="numarContract")
    data_contract: XsDate | None = Field(None, alias="dataContract")
    xml_names: ClassVar[dict[str, str]] = {
        "calitate": "Calitate",
        "identificare": "Identificare",
        "numar": "Numar",
        "delegat": "Delegat",
        "numar_delegat": "NumarDelegat",
        "declaratie": "Declaratie",
        "mentiuni": "Mentiuni",
        "data_inceput": "DataInceput",
        "data_sfarsit": "DataSfarsit",
        "numar_contract": "NumarContract",
        "data_contract": "DataContract",
    }


class CerereExtras(Message):
    xml_type: ClassVar[str] = "CerereExtras"
    tip_cerere: TipCerere = Field(alias="tipCerere")
    salariat_id: Guid | None = Field(None, alias="salariatId")
    cnp: str | None = Field(None, alias="cnp")
    angajator_id: Guid | None = Field(None, alias="angajatorId")
    societate: str | None = Field(None, alias="societate")
    contract_id: Guid | None = Field(None, alias="contractId")
    data_inceput: XsDate | None = Field(None, alias="dataInceput")
    data_sfarsit: XsDate | None = Field(None, alias="dataSfarsit")
    numar_zile: XsInt | None = Field(None, alias="numarZile")
    are_info_salariu: bool | None = Field(None, alias="areInfoSalariu")
    declaratie: str | None = Field(None, alias="declaratie")
    format_extras: FormatExtras | None = Field(None, alias="formatExtras")
    sign: bool | None = Field(None, alias="sign")
    hide_salary: bool | None = Field(None, alias="hideSalary")
    xml_names: ClassVar[dict[str, str]] = {
        "tip_cerere": "TipCerere",
        "salariat_id": "SalariatId",
        "cnp": "CNP",
        "angajator_id": "AngajatorId",
        "societate": "Societate",
        "contract_id": "ContractId",
        "data_inceput": "DataInceput",
        "data_sfarsit": "DataSfarsit",
        "numar_zile": "NumarZile",
        "are_info_salariu": "AreInfoSalariu",
        "declaratie": "Declaratie",
        "format_extras": "FormatExtras",
        "sign": "Sign",
        "hide_salary": "HideSalary",
    }


class ExportDate(Message):
    xml_type: ClassVar[str] = "ExportDate"
    entitate: Entitate = Field(alias="entitate")
    format_export: FormatExport = Field(alias="formatExport")
    stare: str | None = Field(None, alias="stare")
    xml_names: ClassVar[dict[str, str]] = {
        "entitate": "Entitate",
        "format_export": "FormatExport",
        "stare": "Stare",
    }


class ImportBaza(Message):
    xml_type: ClassVar[str] = "ImportBaza"
    fisier: Fisier = Field(alias="fisier")
    angajator_nou: bool = Field(alias="angajatorNou")
    xml_names: ClassVar[dict[str, str]] = {"fisier": "Fisier", "angajator_nou": "AngajatorNou"}
    xml_kinds: ClassVar[dict[str, str]] = {"fisier": "Fisier"}


TipSporAny = Annotated[
    Annotated[TipSpor, Tag("TipSpor")]
    | Annotated[TipSporAngajator, Tag("TipSporAngajator")]
    | Annotated[TipSporPredefinit, Tag("TipSporPredefinit")],
    Discriminator(polymorphic(["TipSpor", "TipSporAngajator", "TipSporPredefinit"])),
]
ActiuneAny = Annotated[
    Annotated[Actiune, Tag("Actiune")]
    | Annotated[ActiuneMutare, Tag("ActiuneMutare")]
    | Annotated[ActiuneActiv, Tag("ActiuneActiv")]
    | Annotated[ActiuneReactivare, Tag("ActiuneReactivare")]
    | Annotated[ActiuneSuspendare, Tag("ActiuneSuspendare")]
    | Annotated[ActiuneIncetare, Tag("ActiuneIncetare")]
    | Annotated[ActiuneDetasare, Tag("ActiuneDetasare")],
    Discriminator(
        polymorphic(
            [
                "Actiune",
                "ActiuneMutare",
                "ActiuneActiv",
                "ActiuneReactivare",
                "ActiuneSuspendare",
                "ActiuneIncetare",
                "ActiuneDetasare",
            ]
        )
    ),
]
DetaliiAngajatorAny = Annotated[
    Annotated[DetaliiAngajator, Tag("DetaliiAngajator")]
    | Annotated[DetaliiAngajatorPersoanaJuridica, Tag("DetaliiAngajatorPersoanaJuridica")]
    | Annotated[DetaliiAngajatorPersoanaFizica, Tag("DetaliiAngajatorPersoanaFizica")],
    Discriminator(
        polymorphic(
            ["DetaliiAngajator", "DetaliiAngajatorPersoanaJuridica", "DetaliiAngajatorPersoanaFizica"]
        )
    ),
]


# xsi:type name -> class, for the polymorphic positions (Message, Actiune, TipSpor, Info)
# (the XML_TYPES name is kept below)


# xsi:type name -> class, for the polymorphic positions (Message, Actiune, TipSpor, Info)
XML_TYPES: dict[str, type[RegesModel]] = {
    "Header": Header,
    "Message": Message,
    "Info": Info,
    "Referinta": Referinta,
    "DetaliiSalariatStrain": DetaliiSalariatStrain,
    "Localitate": Localitate,
    "Nationalitate": Nationalitate,
    "InfoSalariat": InfoSalariat,
    "Salariat": Salariat,
    "Actiune": Actiune,
    "ActiuneMutare": ActiuneMutare,
    "ActiuneActiv": ActiuneActiv,
    "ActiuneReactivare": ActiuneReactivare,
    "ActiuneSuspendare": ActiuneSuspendare,
    "ActiuneIncetare": ActiuneIncetare,
    "Cor": Cor,
    "ActiuneDetasare": ActiuneDetasare,
    "ContractMutareDetalii": ContractMutareDetalii,
    "TipSpor": TipSpor,
    "TipSporAngajator": TipSporAngajator,
    "TipSporPredefinit": TipSporPredefinit,
    "Spor": Spor,
    "ArrayOfSpor": ArrayOfSpor,
    "TimpMunca": TimpMunca,
    "DetaliiL153": DetaliiL153,
    "ContinutContract": ContinutContract,
    "DocumentJustificativ": DocumentJustificativ,
    "Contract": Contract,
    "PropunereDetasareContract": PropunereDetasareContract,
    "PropunereMutareContract": PropunereMutareContract,
    "MessageResponse": MessageResponse,
    "Result": Result,
    "MessageResult": MessageResult,
    "Contact": Contact,
    "DomeniuActivitate": DomeniuActivitate,
    "DetaliiAngajator": DetaliiAngajator,
    "DetaliiAngajatorPersoanaJuridica": DetaliiAngajatorPersoanaJuridica,
    "DetaliiAngajatorPersoanaFizica": DetaliiAngajatorPersoanaFizica,
    "InfoAngajator": InfoAngajator,
    "Angajator": Angajator,
    "Fisier": Fisier,
    "CerereAccesRegistru": CerereAccesRegistru,
    "DreptAccesRegistru": DreptAccesRegistru,
    "IncetareAccesRegistru": IncetareAccesRegistru,
    "CerereAccesCont": CerereAccesCont,
    "CerereDelegareAccesRegistru": CerereDelegareAccesRegistru,
    "CerereExtras": CerereExtras,
    "ExportDate": ExportDate,
    "ImportBaza": ImportBaza,
}

for _cls in XML_TYPES.values():
    _cls.model_rebuild()
