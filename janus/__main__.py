from janus.entry import main

main()
