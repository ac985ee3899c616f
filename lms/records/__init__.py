"""A person's whole record: titles, programs, modules, quizzes, reports, classes, certificates and audit."""
