"""Protocol-faithful fake ANAF and REGES servers, for the tests and `genius demo`."""
