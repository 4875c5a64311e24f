"""Server-rendered web consoles for the people who run congdan (officers, hospital staff, leaders, fleet
administrators): one web login, one session cookie and one navigation for all of them (`web.py`)."""
