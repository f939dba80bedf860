"""The demo mailbox: a local SMTP sink that keeps what ``email.send`` delivers, and its Shell pages."""
