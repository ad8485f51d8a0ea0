from profscout.cli import main

main()
