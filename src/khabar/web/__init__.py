"""JSON API and server-rendered RTL pages."""
