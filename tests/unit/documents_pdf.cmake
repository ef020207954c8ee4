# documents: the PDF renderer and the font subset (cert pdf)
cal_add_test(test_pdf SOURCES unit/test_pdf.c LIBS cal_documents)
