"""ai.churn: churn risk of CRM accounts (features, heuristic, per-tenant model, scores)."""
