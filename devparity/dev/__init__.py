"""The dev loop: watching the project (``watch``), the foreground session
that reloads, rebuilds and recovers (``session``), background rebuilds
(``rebuild``), the app's log stream (``applog``), engine outages
(``outage``) and the in-container supervisor (``supervisor``)."""
