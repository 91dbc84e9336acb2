"""What several rules share that is neither a package manager's knowledge (slimfix.managers)
nor a question about the Dockerfile (slimfix.analysis): the SF6xx base class and its edits,
the shapes of the missing-option and missing-cleanup rules, SF103's reading of what needs
apt's recommends, and SF502's stage splits."""
