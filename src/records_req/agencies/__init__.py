"""The agencies' wing: the directory (who each agency is, its contact details, the listings and
cards every door shows), ICE's 287(g) lists, and contacts loaded from a CSV. Below the tracker:
the tracker's requests and campaigns use it, and it uses nothing of theirs."""
