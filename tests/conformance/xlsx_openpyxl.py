"""Reads a Debut programme workbook with openpyxl and prints it as JSON: the title cell and every
(section, key, label, value) row, so a test can compare it with the JSON report."""
import json
import sys

from openpyxl import load_workbook

book = load_workbook(sys.argv[1], read_only=True)
sheet = book["programme"]
rows = list(sheet.iter_rows(values_only=True))
lines = [list(r[:4]) for r in rows[4:] if r and r[0] is not None]
print(json.dumps({"title": rows[0][0], "header": list(rows[3][:4]), "lines": lines}, ensure_ascii=False))
