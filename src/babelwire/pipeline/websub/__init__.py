"""WebSub (W3C, formerly PubSubHubbub): finding a feed's hub, talking to hubs, and
checking what they push. Nothing here touches the database: jobs/websub.py does."""
