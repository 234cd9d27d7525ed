module gotemplatetyped

go 1.22
