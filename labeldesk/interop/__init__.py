"""Importers and exporters between LabelDesk projects and other dataset formats."""
