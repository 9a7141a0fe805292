import sys

from medfilip.cli import main

sys.exit(main())
