"""Prefect flows: orchestration only. The work is in connectors/, warehouse/ and spendrecon/."""
