"""spendrecon: reconcile SAM.gov Assistance Listing figures with USAspending.gov obligations."""

__version__ = "0.1.0"
