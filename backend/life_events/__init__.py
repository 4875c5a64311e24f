"""Life events: hospital notifications, civil status (births, deaths) and the two linked procedures that run
civil status, permanent residence, insurance and allowances as one application."""
