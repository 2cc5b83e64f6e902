"""The three-node demo (``cix demo``) and the loopback network of nodes it runs on."""
