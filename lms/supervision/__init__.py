"""Supervision of training: inspections of classes and their answers, the audit log to read and trust,
printed class documents and each class's evidence pack."""
