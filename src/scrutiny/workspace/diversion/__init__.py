"""The diversion pathway: people caught with drugs referred to education or treatment, and the outcome
measures that show whether treatment is put before criminalisation (cases, kpis, csv_io)."""
