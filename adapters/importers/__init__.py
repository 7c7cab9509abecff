"""Imports: workshop sheets (CSV, XLSX) and Pol.is exports, checked whole, saved in chunks."""
