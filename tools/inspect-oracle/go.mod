module ocitrace/tools/inspect-oracle

go 1.22
