"""Allow ``python -m records_req``."""

from records_req.cli import main

if __name__ == "__main__":
    main()
