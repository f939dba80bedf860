"""Messy CSV files, as real exports come: one UTF-8 with BOM and ``;`` (Excel RO), one Windows-1250
with ``,`` (old accounting software) with cedilla letters, quoted newlines, duplicates, bad rows."""

from __future__ import annotations

# UTF-8 + BOM, ';', CRLF. 9 records (the blank line is not one):
#  2 create | 3 create (cedilla, quoted newline and ';' in a note) | 4 duplicate of row 2 (e-mail case)
#  5 bad e-mail | 6 bad phone | 7 bad CUI | 8 all-blank (skipped) | 10 extra cell (rejected)
# 11 matches the lead created before the import (george@exemplu.ro)
FILE_A_ROWS = [
    "Prenume;Nume;Email;Telefon;Firma;CUI;Oras/Localitate;Judet;Note",
    "Ana;Popescu;ana@exemplu.ro;0722 123 456;Alfa SRL;RO18547290;Brașov;Brașov;",
    "Ştefan;Ţurcanu;stefan@exemplu.ro;+40 733 000 111;Beta SA;;Timişoara;Timiş;"
    '"Linia 1\r\nLinia 2; cu separator"',
    "Ion;Ionescu;ANA@Exemplu.ro;;;;;;",
    "Maria;Pop;not-an-email;;;;;;",
    "Dan;Dan;dan@exemplu.ro;12345;;;;;",
    "Firma;X;;;Gama SRL;RO123;;;",
    ";;;;;;;;",
    "",
    "Elena;Vasile;elena@exemplu.ro;0744555666;;;;;;surplus",
    "George;Enescu;george@exemplu.ro;0755 111 222;;;Iași;Iași;",
]
FILE_A = b"\xef\xbb\xbf" + "\r\n".join(FILE_A_ROWS).encode("utf-8") + b"\r\n"

# Windows-1250, ',', LF. 4 records: 2 matches file A's row 2 by CUI | 3 create (cedilla, quoted comma and
# quotes) | 4 bad phone | 5 duplicate of row 2 (e-mail in capitals)
FILE_B_ROWS = [
    "Nume,Prenume,E-mail,Telefon,Firma,CUI,Localitate,Judet",
    "Munteanu,Radu,radu@exemplu.ro,0266 123 456,Alfa Grup,18547290,Sibiu,Sibiu",
    'Ţăranu,Ştefania,stefania@exemplu.ro,,"Firma ""Citat"", cu virgulă",,Bacău,Bacău',
    "Bad,Phone,bad@exemplu.ro,07,,,,",
    "Radu,Doi,RADU@EXEMPLU.RO,,,,,",
]
FILE_B = ("\n".join(FILE_B_ROWS) + "\n").encode("cp1250")

# (created, updated, skipped, rejected) per on_duplicate mode, file A then file B into the same tenant.
EXPECTED_A = {"skip": (2, 0, 3, 4), "update": (2, 1, 2, 4), "create": (4, 0, 1, 4)}
EXPECTED_B = {"skip": (1, 0, 2, 1), "update": (1, 1, 1, 1), "create": (3, 0, 0, 1)}
