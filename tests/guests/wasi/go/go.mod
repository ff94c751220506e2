module wasiguest

go 1.21
