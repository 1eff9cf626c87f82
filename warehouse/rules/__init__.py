"""Reconciliation rules: one SQL file per rule, described in rules.yaml."""
