module ocitrace/tools/gotemplate-oracle

go 1.22
