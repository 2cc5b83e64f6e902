"""One router per capability; each handler calls the capability's service functions and nothing more."""
