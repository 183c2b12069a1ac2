"""ICE's published 287(g) lists: reading the participating and pending sheets."""
