"""The catalog: organisation, business units, value streams, teams, services, people."""
