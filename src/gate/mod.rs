//! The gate: rules → verdicts with evidence. Pure. (Evaluation to come.)
