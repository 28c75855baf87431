"""aigov common library: plumbing and contracts shared by every component, no domain logic."""
