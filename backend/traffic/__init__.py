"""Administrative traffic penalties: the violation catalogue, penalty decisions, surcharge, licence points and
suspension."""
