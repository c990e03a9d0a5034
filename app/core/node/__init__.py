"""The review station's DICOM node (Qt-free): a store SCP (:mod:`.scp`), the folder it stores into
(:mod:`.store`), the SQLite index of what arrived (:mod:`.index`), the worklist built from it
(:mod:`.worklist`), and the completeness check of received data sets (:mod:`.integrity`)."""
